//! Page numbers and sizes from query strings, and pagination links.

/// Largest page size a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// Largest page number accepted: far beyond any seller's data, and small
/// enough that every offset fits the integer types on its way into SQL.
pub const MAX_PAGE: u64 = 1_000_000;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Rows per page (1..=MAX_PAGE_SIZE).
    pub page_size: u64,
}

impl PageRequest {
    /// Parses `page` and `page_size` (blank means the defaults).
    pub fn parse(
        page: Option<&str>,
        page_size: Option<&str>,
        default_size: u64,
    ) -> Result<PageRequest, String> {
        let num = |text: Option<&str>, name: &str, default: u64| -> Result<u64, String> {
            match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(default),
                Some(t) => t
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("{name} must be a whole number from 1")),
            }
        };
        let page = num(page, "page", 1)?;
        if page > MAX_PAGE {
            return Err(format!("page must be at most {MAX_PAGE}"));
        }
        let page_size = num(page_size, "page_size", default_size)?;
        if page_size > MAX_PAGE_SIZE {
            return Err(format!("page_size must be at most {MAX_PAGE_SIZE}"));
        }
        Ok(PageRequest { page, page_size })
    }

    /// Row offset of the page.
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.page_size)
    }

    /// The last page holding any of `total` rows, when this page lies
    /// beyond it (pages show the last page rather than an empty one).
    pub fn last_page_if_beyond(&self, total: i64) -> Option<PageRequest> {
        let rows = u64::try_from(total).unwrap_or(0);
        let last = rows.div_ceil(self.page_size).max(1);
        (self.page > last).then_some(PageRequest {
            page: last,
            page_size: self.page_size,
        })
    }
}

/// For pages (not the API): a page number too large to accept becomes
/// [`MAX_PAGE`], which the page then shows as its last page.
pub fn clamp_page_param(page: Option<String>) -> Option<String> {
    match page {
        Some(p) if !p.trim().is_empty() && p.trim().bytes().all(|b| b.is_ascii_digit()) => {
            let within = p.trim().parse::<u64>().is_ok_and(|n| n <= MAX_PAGE);
            Some(if within { p } else { MAX_PAGE.to_string() })
        }
        other => other,
    }
}

/// What a template needs to draw pagination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    /// Current page.
    pub page: u64,
    /// Number of pages (at least 1).
    pub pages: u64,
    /// Matching rows.
    pub total: i64,
    /// Query string of the current view without `page`, ending in `&` or empty.
    pub base_query: String,
    /// `total` is a lower bound (counting stopped early).
    pub capped: bool,
}

impl Pager {
    /// Builds a pager for `total` rows.
    pub fn new(req: PageRequest, total: i64, base_query: String) -> Pager {
        let total_u = u64::try_from(total).unwrap_or(0);
        let pages = total_u.div_ceil(req.page_size).max(1);
        Pager {
            page: req.page,
            pages,
            total,
            base_query,
            capped: false,
        }
    }

    /// Marks `total` as a lower bound when it exceeds `cap`.
    pub fn capped_at(mut self, cap: i64) -> Pager {
        self.capped = self.total > cap;
        if self.capped {
            self.total = cap;
        }
        self
    }

    /// Marks `total` as a lower bound (counting stopped early).
    pub fn lower_bound(mut self, more: bool) -> Pager {
        self.capped = more;
        self
    }

    /// Previous page, if any.
    pub fn prev(&self) -> Option<u64> {
        (self.page > 1).then(|| self.page - 1)
    }

    /// Next page, if any.
    pub fn next(&self) -> Option<u64> {
        (self.page < self.pages).then(|| self.page + 1)
    }
}

/// Parses an optional filter value: blank or `all` means no filter,
/// anything else must parse or is reported as an unknown `what`.
pub fn optional_filter<T>(
    text: &str,
    what: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, String> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    parse(t)
        .map(Some)
        .ok_or_else(|| format!("unknown {what} '{t}'"))
}

/// Encodes `(key, value)` pairs, skipping blank values, each followed by `&`.
pub fn query_prefix(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| {
            let enc: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
            format!("{k}={enc}&")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let req = PageRequest::parse(Some("3"), Some("20"), 50).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.offset(), 40);
        assert_eq!(
            PageRequest::parse(None, None, 50),
            Ok(PageRequest {
                page: 1,
                page_size: 50
            })
        );
        assert!(PageRequest::parse(Some("0"), None, 50).is_err());
        assert!(PageRequest::parse(None, Some("101"), 50).is_err());
        assert!(PageRequest::parse(Some("x"), None, 50).is_err());
        assert!(PageRequest::parse(Some("1000000000000000000"), None, 50).is_err());
        assert!(PageRequest::parse(Some("99999999999999999999999"), None, 50).is_err());
        assert!(PageRequest::parse(Some("1000000"), Some("100"), 50).is_ok());
        assert_eq!(
            clamp_page_param(Some("1000000000000000000".into())).as_deref(),
            Some("1000000")
        );
        assert_eq!(clamp_page_param(Some("7".into())).as_deref(), Some("7"));
        assert_eq!(clamp_page_param(Some("-1".into())).as_deref(), Some("-1"));
        assert_eq!(
            req.last_page_if_beyond(41),
            None,
            "page 3 of 20 holds rows 41..60"
        );
        assert_eq!(
            PageRequest {
                page: 9,
                page_size: 20
            }
            .last_page_if_beyond(41)
            .map(|p| p.page),
            Some(3)
        );
        let p = Pager::new(req, 41, String::new());
        assert_eq!((p.pages, p.prev(), p.next()), (3, Some(2), None));
        assert_eq!(
            Pager::new(
                PageRequest {
                    page: 1,
                    page_size: 20
                },
                0,
                String::new()
            )
            .pages,
            1
        );
        assert_eq!(
            query_prefix(&[("search", "a&b %"), ("status", "")]),
            "search=a%26b+%25&"
        );
    }
}
