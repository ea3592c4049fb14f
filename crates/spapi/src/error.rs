//! Typed errors carrying what Amazon said: code, message, details, request id.

use serde::Deserialize;

/// One entry of Amazon's `errors` array, plus the HTTP context it came with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiError {
    /// HTTP status of the response (0 when there was none).
    pub status: u16,
    /// Amazon's error code, e.g. `QuotaExceeded`, `InvalidInput`.
    pub code: String,
    /// Amazon's human-readable message.
    pub message: String,
    /// Amazon's additional details, when given.
    pub details: Option<String>,
    /// The `x-amzn-RequestId` header of the response, when given.
    pub request_id: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.code, self.message)?;
        if let Some(details) = self.details.as_deref().filter(|d| !d.is_empty()) {
            write!(f, " ({details})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong when calling the Selling Partner API.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401/403 from the API, or an LWA error (`invalid_grant`, `invalid_client`).
    #[error("unauthorized: {0}")]
    Unauthorized(ApiError),
    /// 429 after the configured number of throttling retries.
    #[error("quota exceeded: {0}")]
    QuotaExceeded(ApiError),
    /// 400 (and other 4xx Amazon uses for bad requests): the request is wrong.
    #[error("invalid input: {0}")]
    InvalidInput(ApiError),
    /// 404: the order, report or document does not exist.
    #[error("not found: {0}")]
    NotFound(ApiError),
    /// 5xx after the configured number of retries.
    #[error("Amazon server error: {0}")]
    Server(ApiError),
    /// The request did not complete: connection refused or reset, timeout.
    #[error("transport error: {message}")]
    Transport {
        /// What failed, with the underlying cause.
        message: String,
    },
    /// The response arrived but could not be decoded.
    #[error("could not decode {what}: {message}")]
    Decode {
        /// What was being decoded, e.g. `searchOrders response`.
        what: String,
        /// The decoder's message.
        message: String,
        /// The request id of the response, when given.
        request_id: Option<String>,
    },
    /// A report ended `CANCELLED` or `FATAL`.
    #[error("report {report_id} ended {status}")]
    ReportFailed {
        /// The report.
        report_id: String,
        /// Its final processing status.
        status: String,
    },
    /// The caller's cancellation token fired.
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// Amazon's error details when the error came from an Amazon response.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Unauthorized(e)
            | Error::QuotaExceeded(e)
            | Error::InvalidInput(e)
            | Error::NotFound(e)
            | Error::Server(e) => Some(e),
            _ => None,
        }
    }

    /// The `x-amzn-RequestId` of the failed response, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Decode { request_id, .. } => request_id.as_deref(),
            other => other.api_error().and_then(|e| e.request_id.as_deref()),
        }
    }

    pub(crate) fn transport(context: &str, err: impl std::fmt::Display) -> Self {
        Error::Transport {
            message: format!("{context}: {err}"),
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
    details: Option<String>,
}

impl ApiError {
    /// Reads an error response: Amazon's `{"errors": [...]}` body (the
    /// first entry), or the raw text when the body is not that shape.
    pub fn from_response(status: u16, body: &[u8], request_id: Option<String>) -> ApiError {
        parse_api_error(status, body, request_id)
    }
}

/// Reads Amazon's `{"errors": [...]}` body; falls back to the raw text.
pub(crate) fn parse_api_error(status: u16, body: &[u8], request_id: Option<String>) -> ApiError {
    let first = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|b| b.errors.into_iter().next());
    match first {
        Some(e) => ApiError {
            status,
            code: e.code,
            message: e.message,
            details: e.details,
            request_id,
        },
        None => ApiError {
            status,
            code: format!("HTTP{status}"),
            message: String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned(),
            details: None,
            request_id,
        },
    }
}

/// Maps a non-success status to the matching error variant.
pub(crate) fn classify(err: ApiError) -> Error {
    match err.status {
        401 | 403 => Error::Unauthorized(err),
        404 => Error::NotFound(err),
        429 => Error::QuotaExceeded(err),
        500..=599 => Error::Server(err),
        _ => Error::InvalidInput(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_amazon_error_body() {
        let body =
            br#"{"errors":[{"code":"InvalidInput","message":"Invalid Input","details":"x"}]}"#;
        let e = parse_api_error(400, body, Some("rid".into()));
        assert_eq!(e.code, "InvalidInput");
        assert_eq!(e.details.as_deref(), Some("x"));
        assert!(matches!(classify(e), Error::InvalidInput(_)));
    }

    #[test]
    fn non_json_error_body_keeps_text() {
        let e = parse_api_error(502, b"Bad Gateway", None);
        assert_eq!(e.code, "HTTP502");
        assert_eq!(e.message, "Bad Gateway");
        assert!(matches!(classify(e), Error::Server(_)));
    }
}
