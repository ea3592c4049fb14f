// Brickdesk progressive enhancement: every page works without this file.
// - forms marked data-autosubmit submit when a select changes, and inputs
//   marked data-debounce submit 300 ms after typing stops;
// - selects marked data-navigate go to data-navigate + value;
// - links marked data-dialog open their page's [data-dialog-content] in the
//   native <dialog id="bd-dialog">; GET forms inside it reload it in place;
// - a form marked data-wizard (Confirm Orders Processed) shows one
//   [data-step] at a time with Previous/Next, Approve/Skip buttons and
//   "Progress: n of m (a approved, s skipped)", loads the next page of
//   orders ([data-more]) as the user nears the end, and posts inside the
//   dialog;
// - [data-unit-search] boxes (an unmatched line in that form) become an
//   inventory search (GET /api/inventory, 300 ms after typing stops) whose
//   radio buttons fill the inventory id field; without JavaScript the id
//   field and a link to the inventory page stay;
// - the picking list page ([data-pick-list]) keeps its ticks in this
//   browser (localStorage) while picking; nothing is sent to the server;
// - a report's range form ([data-report-range]) picks "Custom dates" when a
//   date is changed and clears the dates when a preset is picked.
const DEBOUNCE_MS = 300;

// "1 order", "3 orders".
function counted(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function debounce(fn) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), DEBOUNCE_MS);
  };
}

function enhanceFilters(form) {
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => {
      if (select.dataset.navigate !== undefined) {
        window.location.assign(select.dataset.navigate + encodeURIComponent(select.value));
      } else {
        form.requestSubmit();
      }
    });
  }
  for (const input of form.querySelectorAll("input[data-debounce]")) {
    input.addEventListener("input", debounce(() => form.requestSubmit()));
    // After a reload caused by typing, keep the cursor in the box.
    if (sessionStorage.getItem("bd-typing") === input.name) {
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
    input.addEventListener("keydown", () => sessionStorage.setItem("bd-typing", input.name));
    input.addEventListener("blur", () => sessionStorage.removeItem("bd-typing"));
  }
}

const dialog = document.getElementById("bd-dialog");

async function loadDialog(url, init = {}) {
  let page;
  try {
    const response = await fetch(url, { ...init, headers: { Accept: "text/html", ...init.headers } });
    // A redirect (e.g. to sign in again) is a page, not a dialog.
    if (response.redirected) return window.location.assign(response.url);
    page = new DOMParser().parseFromString(await response.text(), "text/html");
  } catch {
    // Without a usable answer, open the dialog's page the ordinary way.
    return window.location.assign(url);
  }
  const content = page.querySelector("[data-dialog-content]") || page.querySelector("main");
  if (!content) return window.location.assign(url);
  const body = dialog.querySelector(".dialog-body");
  // The content element itself moves in, so rules sized for it (such as
  // the confirm dialog's width) apply inside the dialog too.
  if (content.matches("[data-dialog-content]")) body.replaceChildren(content);
  else body.replaceChildren(...content.childNodes);
  wireDialog(body);
  if (!dialog.open) dialog.showModal();
}

function enhanceWizard(form) {
  const steps = [];
  const progress = form.querySelector("[data-progress]");
  const prev = form.querySelector("[data-prev]");
  const next = form.querySelector("[data-next]");
  const more = form.querySelector("[data-more]");
  const total = Number(form.dataset.total) || 0;
  let at = 0;
  let searches = 0;
  let loading = null;
  let failed = false;
  const hasMore = () => more?.isConnected && !failed;
  const count = (value) => steps.filter((s) => s.dataset.decided === value).length;
  const show = (i) => {
    at = Math.max(0, Math.min(steps.length - 1, i));
    steps.forEach((step, n) => {
      step.hidden = n !== at;
    });
    const all = Math.max(total, steps.length);
    progress.textContent = `Progress: ${at + 1} of ${counted(all, "order", "orders")} ` +
      `(${count("approve")} approved, ${count("skip")} skipped)`;
    prev.disabled = at === 0;
    next.disabled = at === steps.length - 1 && !hasMore();
    if (at >= steps.length - 2) loadMore();
  };
  // The next page of orders, fetched as the user nears the last one loaded.
  const loadMore = () => {
    if (!hasMore() || loading) return loading;
    loading = fetch(more.dataset.more, { headers: { Accept: "text/html" } })
      .then((response) => response.text())
      .then((text) => {
        const page = new DOMParser().parseFromString(text, "text/html");
        const fresh = page.querySelector("#confirm-form");
        if (!fresh) throw new Error("no orders in the answer");
        for (const step of fresh.querySelectorAll("[data-step]")) {
          step.hidden = true;
          more.before(step);
          adopt(step);
        }
        const after = fresh.querySelector("[data-more]");
        if (after) more.dataset.more = after.dataset.more;
        else more.remove();
      })
      .catch(() => {
        // The page's own link to the next orders stays usable.
        failed = true;
        more.hidden = false;
      })
      .finally(() => {
        loading = null;
        show(at);
      });
    return loading;
  };
  const forward = async (from) => {
    if (from === steps.length - 1) await loadMore();
    show(from + 1);
  };
  const adopt = (step) => {
    for (const box of step.querySelectorAll("[data-unit-search]")) enhanceUnitSearch(box, searches++);
    decisionButtons(step, () => forward(steps.indexOf(step)));
    steps.push(step);
  };
  form.querySelectorAll("[data-step]").forEach(adopt);
  if (more) more.hidden = true;
  form.querySelector("[data-wizard-nav]").hidden = false;
  prev.addEventListener("click", () => show(at - 1));
  next.addEventListener("click", () => forward(at));
  form.addEventListener("submit", (event) => {
    if (!dialog?.open) return;
    event.preventDefault();
    loadDialog(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)),
    });
  });
  show(0);
}

// An order's Approve / Skip radios become two buttons: each records the
// choice (in the hidden radio the form submits) and moves to the next order.
function decisionButtons(step, decided) {
  const box = step.querySelector(".decision");
  const approve = step.querySelector("input[data-approve]");
  const skip = step.querySelector("input[data-skip]");
  if (!box || !approve || !skip) return;
  const radios = document.createElement("span");
  radios.hidden = true;
  radios.append(approve, skip);
  const button = (label, radio, className) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.className = className;
    b.setAttribute("aria-pressed", "false");
    b.addEventListener("click", () => {
      radio.checked = true;
      step.dataset.decided = radio.value;
      for (const other of box.querySelectorAll("button")) {
        other.setAttribute("aria-pressed", String(other === b));
      }
      decided();
    });
    return b;
  };
  const approveButton = button("✓ Approve", approve, "primary");
  const skipButton = button("Skip", skip, "");
  // Tests and styles find the buttons by these, no longer the radios.
  approve.removeAttribute("data-approve");
  skip.removeAttribute("data-skip");
  approveButton.dataset.approve = "";
  skipButton.dataset.skip = "";
  box.replaceChildren(approveButton, skipButton, radios);
}

const SELLABLE = ["BACKLOG", "LISTED"];

function price(minor, currency) {
  if (minor === null || minor === undefined) return "—";
  try {
    return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

function cell(text, className) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  return span;
}

// One unmatched unit of a line: a search box over the inventory whose
// radio buttons write the chosen unit's id into the (hidden) id field the
// form submits, so the server sees the same form with or without it.
function enhanceUnitSearch(box, n) {
  const idField = box.querySelector("input[type=number]");
  if (!idField) return;
  for (const fallback of box.querySelectorAll("[data-unit-id]")) fallback.hidden = true;
  const input = document.createElement("input");
  input.type = "search";
  input.value = box.dataset.unitSearch || "";
  input.placeholder = "Search inventory: set number, name, location";
  input.setAttribute("aria-label", "Search inventory");
  input.dataset.unitSearchInput = "";
  const results = document.createElement("div");
  results.className = "unit-search-results";
  results.setAttribute("role", "radiogroup");
  results.setAttribute("aria-live", "polite");
  box.append(input, results);
  let asked = 0;
  const search = async () => {
    const query = input.value.trim();
    const ticket = ++asked;
    if (!query) {
      results.replaceChildren(cell("Type to search the inventory.", "muted"));
      return;
    }
    let page;
    try {
      const url = "/api/inventory?" + new URLSearchParams({ search: query, page_size: "20" });
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      page = await response.json();
    } catch {
      if (ticket === asked) results.replaceChildren(cell("Search failed — type the inventory id instead.", "muted"));
      for (const fallback of box.querySelectorAll("[data-unit-id]")) fallback.hidden = false;
      return;
    }
    // A slower answer to an older query must not replace a newer one.
    if (ticket !== asked) return;
    const units = page.items.filter((u) => SELLABLE.includes(u.status));
    if (units.length === 0) {
      results.replaceChildren(cell(`No sellable unit matches “${query}”.`, "muted"));
      return;
    }
    results.replaceChildren(
      ...units.map((u) => {
        const label = document.createElement("label");
        label.className = "unit-search-hit";
        const radio = document.createElement("input");
        radio.type = "radio";
        radio.name = `unit-search-${n}`;
        radio.value = String(u.id);
        radio.checked = idField.value === String(u.id);
        radio.addEventListener("change", () => {
          idField.value = radio.value;
        });
        label.append(
          radio,
          cell(u.set_number, "mono"),
          cell(u.item_name, ""),
          cell(u.condition, "badge"),
          cell(u.storage_location || "no location", "muted"),
          cell(price(u.listing_price_minor, u.currency), "num"),
        );
        return label;
      }),
    );
  };
  input.addEventListener("input", debounce(search));
  // Enter in the search box searches instead of submitting the form.
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      search();
    }
  });
  search();
}

function wireDialog(body) {
  for (const form of body.querySelectorAll("form[data-wizard]")) enhanceWizard(form);
  for (const form of body.querySelectorAll("form[data-dialog-form]")) {
    const reload = () => loadDialog(form.action + "?" + new URLSearchParams(new FormData(form)));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      reload();
    });
    for (const input of form.querySelectorAll("input[data-debounce]")) {
      input.addEventListener("input", debounce(reload));
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
  }
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-dialog], a[data-close]");
  if (!link || !dialog) return;
  event.preventDefault();
  if (link.hasAttribute("data-close")) {
    dialog.close();
  } else {
    loadDialog(link.href);
  }
});

for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  enhanceFilters(form);
}
for (const form of document.querySelectorAll("form[data-wizard]")) {
  enhanceWizard(form);
}

// The backfill progress card of /orders: kept current from the server's
// event stream (EventSource reconnects by itself after a network error).
// Without JavaScript the card shows the state as of the page load.
function etaText(seconds) {
  if (seconds < 60) return `~${seconds}s remaining`;
  if (seconds < 3600) return `~${Math.round(seconds / 60)}m remaining`;
  return `~${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m remaining`;
}

const BACKFILL_STATES = {
  running: "Running", queued: "Running", rate_limited: "Waiting for Amazon's rate limit",
  stopping: "Stopping…", stopped: "Stopped", done: "Finished", failed: "Failed",
  interrupted: "Interrupted — resuming",
};

function showBackfill(card, p) {
  const set = (name, text) => {
    for (const el of card.querySelectorAll(`[data-field="${name}"]`)) el.textContent = text;
  };
  const percent = p.total > 0 ? Math.min(100, Math.floor((p.processed * 100) / p.total)) : 0;
  card.hidden = p.jobId === null;
  set("processed", p.processed);
  set("total", p.total);
  set("percent", `${percent}%`);
  set("success", p.success);
  set("failed", p.failed);
  let eta = "";
  if (p.isRunning && p.mode === "report" && p.processed === 0) eta = "reading Amazon's order report…";
  else if (p.isRunning && p.estimatedSecondsRemaining !== null) eta = etaText(p.estimatedSecondsRemaining);
  set("eta", eta);
  set("stateText", p.isRunning && p.state !== "stopping" ? "" : BACKFILL_STATES[p.state] || "");
  card.querySelector("#backfill-bar").value = percent;
  const limited = card.querySelector("#backfill-rate-limited");
  limited.hidden = !p.rateLimitedUntil;
  if (p.rateLimitedUntil) {
    set("resumeSeconds", Math.max(0, Math.ceil((Date.parse(p.rateLimitedUntil) - Date.now()) / 1000)));
  }
  card.querySelector("#stop-backfill-form").hidden = !p.isRunning;
  const missing = document.getElementById("missing-items");
  if (missing) missing.textContent = `${counted(p.ordersNeedingBackfill, "order", "orders")} missing item details`;
  const start = document.getElementById("fetch-missing");
  if (start) start.disabled = p.isRunning || p.ordersNeedingBackfill === 0;
}

async function postAndRefresh(form, card, method, url) {
  const response = await fetch(url, { method, headers: { Accept: "application/json" } });
  if (response.redirected || !response.ok) return form.submit();
  showBackfill(card, await response.json());
}

const backfillCard = document.querySelector("[data-backfill-events]");
if (backfillCard && window.EventSource) {
  const events = new EventSource(backfillCard.dataset.backfillEvents);
  events.addEventListener("progress", (event) => showBackfill(backfillCard, JSON.parse(event.data)));
  const stopForm = backfillCard.querySelector("#stop-backfill-form");
  stopForm.addEventListener("submit", (event) => {
    event.preventDefault();
    postAndRefresh(stopForm, backfillCard, "DELETE", "/api/orders/backfill").catch(() => stopForm.submit());
  });
  const startForm = document.getElementById("fetch-missing-form");
  if (startForm) {
    startForm.addEventListener("submit", (event) => {
      event.preventDefault();
      postAndRefresh(startForm, backfillCard, "POST", "/api/orders/backfill").catch(() => startForm.submit());
    });
  }
}

// The fees job on the Amazon card of /orders: while it runs, its status
// is polled and the page reloads with its result once it has ended.
// Without JavaScript the card's Refresh link does the same.
const feesRunning = document.querySelector("[data-fees-job]");
if (feesRunning) {
  const id = feesRunning.dataset.feesJob;
  const poll = async () => {
    try {
      const response = await fetch(`/api/admin/reconcile-amazon-fees/jobs/${id}`, { headers: { Accept: "application/json" } });
      if (response.ok && !(await response.json()).is_running) {
        window.location.assign(`/orders?fees_job=${id}#amazon-card`);
        return;
      }
    } catch (_) {
      // Try again on the next tick.
    }
    setTimeout(poll, 1500);
  };
  setTimeout(poll, 1500);
}

const PICKED_KEY = "brickdesk.picked";
const pickList = document.querySelector("[data-pick-list]");
if (pickList) {
  const boxes = [...pickList.querySelectorAll("input[data-pick]")];
  const clear = document.querySelector("[data-pick-clear]");
  let picked = new Set();
  try {
    picked = new Set(JSON.parse(localStorage.getItem(PICKED_KEY) || "[]"));
  } catch {
    // Unreadable or blocked storage: start with no ticks.
  }
  // Only the rows of this list are saved, so ticks of orders done fall away.
  const save = () => {
    const keys = boxes.filter((b) => b.checked).map((b) => b.dataset.pick);
    try {
      localStorage.setItem(PICKED_KEY, JSON.stringify(keys));
    } catch {
      // Storage blocked (private mode): the ticks last until the page reloads.
    }
    clear.hidden = keys.length === 0;
  };
  for (const box of boxes) {
    box.checked = picked.has(box.dataset.pick);
    box.addEventListener("change", save);
  }
  clear.addEventListener("click", () => {
    for (const box of boxes) box.checked = false;
    save();
  });
  clear.hidden = !boxes.some((b) => b.checked);
}

const reportRange = document.querySelector("[data-report-range]");
if (reportRange) {
  const choice = reportRange.querySelector("select[name=range]");
  const dates = [...reportRange.querySelectorAll("input[type=date]")];
  for (const d of dates) {
    d.addEventListener("change", () => {
      choice.value = "custom";
    });
  }
  choice.addEventListener("change", () => {
    if (choice.value !== "custom") for (const d of dates) d.value = "";
  });
}
