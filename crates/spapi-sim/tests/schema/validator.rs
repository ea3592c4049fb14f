//! A small Swagger 2.0 schema validator: `$ref`, `allOf`, `type`,
//! `required`, `properties`, `items`, `enum`, `minimum`/`maximum`,
//! `date-time`. Stricter than Swagger: a property the schema does not
//! declare is an error (unless it allows `additionalProperties`), so a
//! misspelt field name fails the test.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub struct Model {
    pub doc: Value,
}

impl Model {
    pub fn load(name: &str) -> Model {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/sp-api-models");
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the official models must be beside the repo at {}: {e}",
                path.display()
            )
        });
        Model {
            doc: serde_json::from_str(&text).unwrap(),
        }
    }

    /// The schema of `status` responses of `method path`.
    pub fn response_schema(&self, path: &str, method: &str, status: &str) -> &Value {
        let schema = &self.doc["paths"][path][method]["responses"][status]["schema"];
        assert!(!schema.is_null(), "no {status} schema for {method} {path}");
        schema
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r
                    .strip_prefix("#/definitions/")
                    .unwrap_or_else(|| panic!("unsupported $ref {r}"));
                self.resolve(&self.doc["definitions"][name])
            }
            None => schema,
        }
    }

    /// `allOf` merged into one object schema.
    fn merged(&self, schema: &Value) -> Value {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else {
            return schema.clone();
        };
        let mut properties = Map::new();
        let mut required = Vec::new();
        for part in parts {
            let part = self.merged(self.resolve(part));
            if let Some(p) = part.get("properties").and_then(Value::as_object) {
                properties.extend(p.clone());
            }
            if let Some(r) = part.get("required").and_then(Value::as_array) {
                required.extend(r.clone());
            }
        }
        serde_json::json!({"type": "object", "properties": properties, "required": required})
    }

    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", &mut errors);
        errors
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.merged(self.resolve(schema));
        let kind = schema
            .get("type")
            .and_then(Value::as_str)
            .or_else(|| schema.get("properties").map(|_| "object"));
        let ok = match kind {
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            _ => true,
        };
        if !ok {
            errors.push(format!("{at}: expected {kind:?}, got {value}"));
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            errors.push(format!("{at}: {value} not in enum"));
        }
        if schema.get("format").and_then(Value::as_str) == Some("date-time")
            && let Some(text) = value.as_str()
            && OffsetDateTime::parse(text, &Rfc3339).is_err()
        {
            errors.push(format!("{at}: {text:?} is not a date-time"));
        }
        let bound = |name: &str| schema.get(name).and_then(Value::as_f64);
        if let Some(n) = value.as_f64() {
            if bound("minimum").is_some_and(|min| n < min) {
                errors.push(format!("{at}: {n} below the minimum"));
            }
            if bound("maximum").is_some_and(|max| n > max) {
                errors.push(format!("{at}: {n} above the maximum"));
            }
        }
        if let (Some(items), Some(item_schema)) = (value.as_array(), schema.get("items")) {
            for (i, item) in items.iter().enumerate() {
                self.check(item_schema, item, &format!("{at}[{i}]"), errors);
            }
        }
        if let Some(object) = value.as_object() {
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = name.as_str().unwrap_or_default();
                if !object.contains_key(name) {
                    errors.push(format!("{at}: missing required {name}"));
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            for (name, field) in object {
                let here = format!("{at}.{name}");
                match (properties.and_then(|p| p.get(name)), additional) {
                    (Some(s), _) => self.check(s, field, &here, errors),
                    (None, Some(Value::Bool(true))) => {}
                    (None, Some(s)) if s.is_object() => self.check(s, field, &here, errors),
                    (None, _) if properties.is_none() => {}
                    (None, _) => errors.push(format!("{here}: not in the schema")),
                }
            }
        }
    }
}

#[test]
fn the_validator_catches_what_it_should() {
    let model = Model {
        doc: serde_json::json!({"definitions": {
            "Money": {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "string"}}},
            "Box": {"type": "object", "properties": {"when": {"type": "string", "format": "date-time"},
                    "n": {"type": "integer", "minimum": 1, "maximum": 3}, "s": {"type": "string", "enum": ["A"]},
                    "m": {"$ref": "#/definitions/Money"}, "list": {"type": "array", "items": {"$ref": "#/definitions/Money"}}}},
        }}),
    };
    let schema = serde_json::json!({"$ref": "#/definitions/Box"});
    let good = serde_json::json!({"when": "2026-01-01T00:00:00Z", "n": 2, "s": "A", "m": {"amount": "1"}, "list": [{"amount": "2"}]});
    assert_eq!(model.validate(&schema, &good), Vec::<String>::new());
    let bad = serde_json::json!({"when": "yesterday", "n": 4, "s": "B", "m": {"amount": 1}, "list": [{}], "extra": 1});
    assert_eq!(
        model.validate(&schema, &bad).len(),
        6,
        "{:?}",
        model.validate(&schema, &bad)
    );
}
