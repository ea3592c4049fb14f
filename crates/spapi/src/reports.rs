//! Reports 2021-06-30: `createReport`, `getReport`, `getReportDocument`,
//! and the document download (gzip, charset from `Content-Type`,
//! including Cp1252).

use serde::Deserialize;
use std::io::Read;
use std::time::Duration;
use time::OffsetDateTime;

use crate::client::{Client, Request, cancellable, sleep};
use crate::timestamp::format_utc;
use crate::{Error, Operation};

pub mod flat_file;

/// The all-orders flat file by last update (the fast path for backfills).
pub const ALL_ORDERS_BY_LAST_UPDATE: &str = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL";
/// The all-orders flat file by order date.
pub const ALL_ORDERS_BY_ORDER_DATE: &str = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL";

/// A report and its processing state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Amazon's report id.
    pub report_id: String,
    /// e.g. [`ALL_ORDERS_BY_LAST_UPDATE`].
    pub report_type: String,
    /// `IN_QUEUE`, `IN_PROGRESS`, `DONE`, `CANCELLED` or `FATAL`.
    pub processing_status: String,
    /// When requested.
    #[serde(with = "time::serde::rfc3339")]
    pub created_time: OffsetDateTime,
    /// Start of the data window.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub data_start_time: Option<OffsetDateTime>,
    /// End of the data window.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub data_end_time: Option<OffsetDateTime>,
    /// The document, once `DONE`.
    pub report_document_id: Option<String>,
}

/// Where to download a report document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportDocument {
    /// Document id.
    pub report_document_id: String,
    /// Pre-signed download URL (valid for minutes; no access token).
    pub url: String,
    /// `GZIP` when the content is compressed.
    pub compression_algorithm: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateReportResponse {
    report_id: String,
}

impl Client {
    /// Requests a report of `report_type` for the client's marketplaces;
    /// returns its id.
    pub async fn create_report(
        &self,
        report_type: &str,
        data_start: Option<OffsetDateTime>,
        data_end: Option<OffsetDateTime>,
    ) -> Result<String, Error> {
        let mut spec = serde_json::json!({"reportType": report_type, "marketplaceIds": self.marketplace_ids()});
        if let Some(start) = data_start {
            spec["dataStartTime"] = format_utc(start).into();
        }
        if let Some(end) = data_end {
            spec["dataEndTime"] = format_utc(end).into();
        }
        let request = Request::post(&["reports", "2021-06-30", "reports"], spec);
        let response: CreateReportResponse = self.call(Operation::CreateReport, request).await?;
        Ok(response.report_id)
    }

    /// `getReport`.
    pub async fn get_report(&self, report_id: &str) -> Result<Report, Error> {
        self.call(
            Operation::GetReport,
            Request::get(&["reports", "2021-06-30", "reports", report_id]),
        )
        .await
    }

    /// Polls `getReport` every `poll` until the report is `DONE`;
    /// `CANCELLED` or `FATAL` end with [`Error::ReportFailed`].
    pub async fn wait_for_report(&self, report_id: &str, poll: Duration) -> Result<Report, Error> {
        loop {
            let report = self.get_report(report_id).await?;
            match report.processing_status.as_str() {
                "DONE" => return Ok(report),
                "CANCELLED" | "FATAL" => {
                    return Err(Error::ReportFailed {
                        report_id: report.report_id,
                        status: report.processing_status,
                    });
                }
                _ => sleep(poll, self.cancel_token()).await?,
            }
        }
    }

    /// `getReportDocument`.
    pub async fn get_report_document(&self, document_id: &str) -> Result<ReportDocument, Error> {
        let request = Request::get(&["reports", "2021-06-30", "documents", document_id]);
        self.call(Operation::GetReportDocument, request).await
    }

    /// Downloads a document, un-gzips it if needed, and decodes it with
    /// the charset its `Content-Type` names (UTF-8 when none).
    pub async fn download_report_document(
        &self,
        document: &ReportDocument,
    ) -> Result<String, Error> {
        let mut retrier = self.retrier();
        let (content_type, bytes) = loop {
            let attempt = async {
                let response = self.http().get(&document.url).send().await?;
                let status = response.status();
                let content_type = response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                Ok::<_, reqwest::Error>((status, content_type, response.bytes().await?))
            };
            match cancellable(attempt, self.cancel_token()).await? {
                Ok((status, content_type, bytes)) if status.is_success() => {
                    break (content_type, bytes);
                }
                Ok((status, _, bytes)) => {
                    let err = crate::error::classify(crate::ApiError::from_response(
                        status.as_u16(),
                        &bytes,
                        None,
                    ));
                    if !status.is_server_error() {
                        return Err(err);
                    }
                    retrier.backoff(err, self.cancel_token()).await?;
                }
                Err(e) => {
                    retrier
                        .backoff(
                            Error::transport("report document download", e),
                            self.cancel_token(),
                        )
                        .await?
                }
            }
        };
        let gzip = document.compression_algorithm.as_deref() == Some("GZIP");
        decode_document(&bytes, gzip, &content_type)
    }

    /// Requests a report, waits for it and returns the document's text.
    pub async fn fetch_report(
        &self,
        report_type: &str,
        data_start: Option<OffsetDateTime>,
        data_end: Option<OffsetDateTime>,
        poll: Duration,
    ) -> Result<String, Error> {
        let report_id = self
            .create_report(report_type, data_start, data_end)
            .await?;
        let report = self.wait_for_report(&report_id, poll).await?;
        let document_id = report.report_document_id.ok_or_else(|| Error::Decode {
            what: "getReport response".into(),
            message: "DONE without reportDocumentId".into(),
            request_id: None,
        })?;
        let document = self.get_report_document(&document_id).await?;
        self.download_report_document(&document).await
    }
}

/// Un-gzips (when `gzip`) and decodes with the `charset=` of `content_type`.
pub fn decode_document(bytes: &[u8], gzip: bool, content_type: &str) -> Result<String, Error> {
    let decode_error = |message: String| Error::Decode {
        what: "report document".into(),
        message,
        request_id: None,
    };
    let raw = if gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| decode_error(e.to_string()))?;
        out
    } else {
        bytes.to_vec()
    };
    let charset = content_type
        .split(';')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"'))
        .unwrap_or("UTF-8");
    let encoding = encoding_rs::Encoding::for_label(charset.as_bytes())
        .ok_or_else(|| decode_error(format!("unknown charset {charset:?}")))?;
    let (text, _, had_errors) = encoding.decode(&raw);
    if had_errors {
        return Err(decode_error(format!("bytes invalid in {charset}")));
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn decodes_gzip_cp1252() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("Caf\u{e9} \u{a3}20 \u{2013} ok");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&bytes).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(
            decode_document(&gz, true, "text/plain;charset=Cp1252").unwrap(),
            "Café £20 – ok"
        );
        assert_eq!(
            decode_document("é".as_bytes(), false, "text/plain").unwrap(),
            "é"
        );
        assert!(decode_document(&[0xff], false, "text/plain; charset=UTF-8").is_err());
        assert!(decode_document(b"x", false, "text/plain; charset=klingon").is_err());
        assert!(decode_document(b"not gzip", true, "").is_err());
    }
}
