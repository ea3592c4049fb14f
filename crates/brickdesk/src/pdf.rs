//! PDF documents, made by Typst used as a library behind one function,
//! [`render`], with the DejaVu fonts shipped in the `dejavu` crate.
//!
//! A document is a Typst template (static source in this crate) plus its
//! data as JSON, which the template reads with
//! `json(bytes(sys.inputs.data))`. User text therefore reaches Typst only
//! as string values, never as markup: a title such as `#exit() [x] $y$`
//! prints as those characters.

mod world;

use std::fmt::Write as _;

use typst::diag::SourceDiagnostic;
use typst::foundations::{Dict, Str, Value};
use typst::layout::PagedDocument;

/// The picking list template.
pub const PICKING_LIST: &str = include_str!("pdf/picking_list.typ");

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The data could not be serialised.
    #[error("cannot serialise the document data: {0}")]
    Data(#[from] serde_json::Error),
    /// Typst refused the template or the data (a bug in the template).
    #[error("typesetting failed: {0}")]
    Typeset(String),
}

/// Typesets `template` with `data` (available to it as the JSON text
/// `sys.inputs.data`) and returns the PDF bytes.
pub fn render(template: &str, data: &impl serde::Serialize) -> Result<Vec<u8>, PdfError> {
    let json = serde_json::to_string(data)?;
    let inputs: Dict = [(Str::from("data"), Value::Str(json.into()))]
        .into_iter()
        .collect();
    let world = world::MemoryWorld::new(template, inputs);
    let document = typst::compile::<PagedDocument>(&world)
        .output
        .map_err(|errors| PdfError::Typeset(describe(&errors)))?;
    // Untagged: a tag per table cell makes long lists large and slow to
    // write, and these documents are for print.
    let options = typst_pdf::PdfOptions {
        tagged: false,
        ..typst_pdf::PdfOptions::default()
    };
    let pdf =
        typst_pdf::pdf(&document, &options).map_err(|errors| PdfError::Typeset(describe(&errors)));
    // Typst memoises layout across compilations; keep a long-running
    // server's cache from growing without bound.
    typst::comemo::evict(10);
    pdf
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    let mut out = String::new();
    for e in errors {
        if !out.is_empty() {
            out.push_str("; ");
        }
        let _ = write!(out, "{}", e.message);
        for hint in &e.hints {
            let _ = write!(out, " (hint: {hint})");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ECHO: &str =
        "#let d = json(bytes(sys.inputs.data))\n#set text(font: \"DejaVu Sans\")\n#d.title\n";

    #[test]
    fn user_text_is_data_not_markup() {
        let title = "#exit() [x] $y$ <script>alert(1)</script> *bold* \\ \"q\" @ref // c";
        let pdf =
            render(ECHO, &serde_json::json!({ "title": title })).unwrap_or_else(|e| panic!("{e}"));
        assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    }

    #[test]
    fn template_errors_are_reported() {
        let err = render("#let x = (", &serde_json::json!({}));
        assert!(matches!(err, Err(PdfError::Typeset(_))));
    }
}
