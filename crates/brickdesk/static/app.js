// Brickdesk progressive enhancement: everything works without this file.
// - forms marked data-autosubmit submit when a select changes;
// - inputs marked data-debounce submit their form 300 ms after typing stops.
const DEBOUNCE_MS = 300;

function enhanceFilters(form) {
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => {
      // Any filter change starts again at page 1.
      const page = form.querySelector("input[name=page]");
      if (page) page.remove();
      form.requestSubmit();
    });
  }
  for (const input of form.querySelectorAll("input[data-debounce]")) {
    let timer;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => form.requestSubmit(), DEBOUNCE_MS);
    });
    // After a reload caused by typing, keep the cursor where it was.
    if (input.value && document.activeElement === document.body && sessionStorage.getItem("bd-typing") === input.name) {
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
    input.addEventListener("keydown", () => sessionStorage.setItem("bd-typing", input.name));
    input.addEventListener("blur", () => sessionStorage.removeItem("bd-typing"));
  }
}

for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  enhanceFilters(form);
}
