//! CPE 2.3 names (NISTIR 7695) and name matching (NISTIR 7696).
//!
//! A [`Cpe`] is the well-formed name (WFN) behind a formatted string
//! `cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other`.
//! Each of its eleven attributes is a [`Value`]: ANY (`*`), NA (`-`) or text, whose
//! unquoted `*` / `?` wildcards may only stand at its start or end. Text is kept unescaped
//! and lowercased (matching is case-insensitive), so the accessors give `node.js`, not
//! `node\.js`; [`Cpe`]'s `Display` binds it back to the canonical formatted string.
//!
//! - [`binding`]: parsing and printing the formatted string.
//! - [`matching`]: the attribute and name comparison relations.

use std::fmt;

pub mod binding;
pub mod matching;

pub use matching::Relation;

/// The eleven attributes of a name, in formatted-string order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Attribute {
    Part,
    Vendor,
    Product,
    Version,
    Update,
    Edition,
    Language,
    SwEdition,
    TargetSw,
    TargetHw,
    Other,
}

impl Attribute {
    /// Every attribute, in formatted-string order.
    pub const ALL: [Attribute; 11] = [
        Attribute::Part,
        Attribute::Vendor,
        Attribute::Product,
        Attribute::Version,
        Attribute::Update,
        Attribute::Edition,
        Attribute::Language,
        Attribute::SwEdition,
        Attribute::TargetSw,
        Attribute::TargetHw,
        Attribute::Other,
    ];

    /// The attribute's name in the specification (`sw_edition`, `target_sw`).
    pub fn as_str(self) -> &'static str {
        match self {
            Attribute::Part => "part",
            Attribute::Vendor => "vendor",
            Attribute::Product => "product",
            Attribute::Version => "version",
            Attribute::Update => "update",
            Attribute::Edition => "edition",
            Attribute::Language => "language",
            Attribute::SwEdition => "sw_edition",
            Attribute::TargetSw => "target_sw",
            Attribute::TargetHw => "target_hw",
            Attribute::Other => "other",
        }
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unquoted wildcard run at the start or end of a text value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wildcard {
    /// `*`: any number of characters, none included.
    Star,
    /// `?` repeated n times (n ≥ 1): up to n characters, as NISTIR 7696's
    /// `compare_strings` counts them.
    Questions(usize),
}

/// A text value: optional wildcards around a literal body (unescaped, lowercase ASCII).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text {
    pub lead: Option<Wildcard>,
    pub body: String,
    pub trail: Option<Wildcard>,
}

impl Text {
    /// A literal value (no wildcards), lowercased.
    pub fn literal(body: &str) -> Text {
        Text {
            lead: None,
            body: body.to_ascii_lowercase(),
            trail: None,
        }
    }

    /// Whether the value has a wildcard, i.e. stands for a set of values.
    pub fn has_wildcards(&self) -> bool {
        self.lead.is_some() || self.trail.is_some()
    }
}

/// One attribute value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Value {
    /// `*`: any value at all.
    #[default]
    Any,
    /// `-`: not applicable (the attribute has no meaningful value for this product).
    Na,
    Text(Text),
}

impl Value {
    /// The literal text of a value without wildcards; `None` for ANY, NA and patterns.
    pub fn literal(&self) -> Option<&str> {
        match self {
            Value::Text(t) if !t.has_wildcards() => Some(&t.body),
            _ => None,
        }
    }

    /// Whether the value is a text value with a wildcard.
    pub fn has_wildcards(&self) -> bool {
        matches!(self, Value::Text(t) if t.has_wildcards())
    }
}

impl fmt::Display for Value {
    /// The value as bound in a formatted string (`*`, `-`, `node\.js` is `node.js`, `c\+\+`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        binding::write_value(f, self)
    }
}

/// A CPE 2.3 name. Parse with [`str::parse`] or [`Cpe::parse`]; print with `Display`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cpe {
    values: [Value; 11],
}

impl Cpe {
    /// Parses a CPE 2.3 formatted string; see [`binding::parse`].
    pub fn parse(s: &str) -> secfixes_apk::Result<Cpe> {
        binding::parse(s)
    }

    /// A name from its eleven values, checked as the parser checks them (the part is `a`,
    /// `o`, `h` or ANY; text is lowercase printable ASCII, wildcards only at the ends).
    pub fn from_values(values: [Value; 11]) -> secfixes_apk::Result<Cpe> {
        for (v, a) in values.iter().zip(Attribute::ALL) {
            binding::check_value(v).map_err(|why| {
                secfixes_apk::Error::new(secfixes_apk::ErrorKind::Syntax, format!("{a}: {why}"))
                    .in_field("cpe")
            })?;
        }
        binding::check_part(&values[0], "")?;
        Ok(Cpe { values })
    }

    /// All eleven values, in formatted-string order.
    pub fn values(&self) -> &[Value; 11] {
        &self.values
    }

    /// One attribute's value.
    pub fn get(&self, attribute: Attribute) -> &Value {
        &self.values[attribute as usize]
    }

    /// The part: `'a'` (application), `'o'` (operating system), `'h'` (hardware), or
    /// `None` for ANY.
    pub fn part(&self) -> Option<char> {
        self.values[0].literal().and_then(|s| s.chars().next())
    }

    /// The unescaped literal value of an attribute (`None` for ANY, NA and wildcards).
    pub fn literal(&self, attribute: Attribute) -> Option<&str> {
        self.get(attribute).literal()
    }

    pub fn vendor(&self) -> Option<&str> {
        self.literal(Attribute::Vendor)
    }
    pub fn product(&self) -> Option<&str> {
        self.literal(Attribute::Product)
    }
    pub fn version(&self) -> Option<&str> {
        self.literal(Attribute::Version)
    }
    pub fn update(&self) -> Option<&str> {
        self.literal(Attribute::Update)
    }
    pub fn edition(&self) -> Option<&str> {
        self.literal(Attribute::Edition)
    }
    pub fn language(&self) -> Option<&str> {
        self.literal(Attribute::Language)
    }
    pub fn sw_edition(&self) -> Option<&str> {
        self.literal(Attribute::SwEdition)
    }
    pub fn target_sw(&self) -> Option<&str> {
        self.literal(Attribute::TargetSw)
    }
    pub fn target_hw(&self) -> Option<&str> {
        self.literal(Attribute::TargetHw)
    }
    pub fn other(&self) -> Option<&str> {
        self.literal(Attribute::Other)
    }

    /// Whether this name, used as a pattern (the source), matches `target`: every attribute
    /// is SUPERSET or EQUAL (NISTIR 7696 `CPE_SUPERSET`).
    pub fn matches(&self, target: &Cpe) -> bool {
        matching::is_superset(self, target)
    }
}

impl std::str::FromStr for Cpe {
    type Err = secfixes_apk::Error;
    fn from_str(s: &str) -> secfixes_apk::Result<Cpe> {
        binding::parse(s)
    }
}

impl fmt::Display for Cpe {
    /// The canonical formatted string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cpe:2.3")?;
        for v in &self.values {
            f.write_str(":")?;
            binding::write_value(f, v)?;
        }
        Ok(())
    }
}
