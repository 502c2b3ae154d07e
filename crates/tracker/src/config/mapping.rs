//! The product-to-package mapping rules, as data: which upstream products (CPE
//! `vendor:product`, CVE 5 package names) stand for which origin packages, and how sure
//! each rule is.
//!
//! The defaults live in one place, [`DEFAULT_MAPPING`], a TOML snippet in the same shape
//! as a configuration's `[mapping]` (docs/CONFIG.md shows it verbatim, and a test keeps
//! the two equal). A configuration's `[mapping]` changes only what it sets:
//! `identity` and `binary_identity` replace the default; `[[mapping.alias]]` entries are
//! added; a `[[mapping.language]]` with the name of a default rule replaces the fields it
//! sets and keeps the others (`enabled = false` drops the rule), one with a new name is
//! added; `[mapping.exclude]` `origins` and `products` each replace the default list.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize, Serializer};

use super::locate::Locator;
use super::raw::{RawConfig, RawLanguage, RawMapping, Text};
use super::source::is_url;
use crate::{Error, ErrorKind, Result};

/// The mapping used when a configuration sets nothing, in configuration syntax.
pub const DEFAULT_MAPPING: &str = r#"[mapping]
# A CPE product equal to an origin name (both lowercased) is that origin.
identity = "high"
# A CPE product equal to a binary (sub)package name is that package's origin
# (libcurl -> curl); low, because binary names are less deliberate than origins.
binary_identity = "low"

[[mapping.language]]
name = "python"
target_sw = ["python"]
collection_url = ["https://pypi.org", "https://pypi.python.org"]
prefix = "py3-"

[[mapping.language]]
name = "ruby"
target_sw = ["ruby", "ruby_on_rails"]
collection_url = ["https://rubygems.org"]
prefix = "ruby-"

[[mapping.language]]
name = "perl"
target_sw = ["perl"]
collection_url = ["https://metacpan.org", "https://cpan.org", "https://www.cpan.org"]
prefix = "perl-"

[[mapping.language]]
name = "lua"
target_sw = ["lua"]
collection_url = ["https://luarocks.org"]
prefix = "lua-"

# Alpine packages few node modules, under their plain names: low confidence.
[[mapping.language]]
name = "node"
target_sw = ["node.js", "nodejs"]
collection_url = ["https://registry.npmjs.org", "https://www.npmjs.com", "https://npmjs.com"]
prefix = ""
confidence = "low"

# Go modules are named by import path; Alpine packages programs by their last element.
[[mapping.language]]
name = "go"
target_sw = ["go", "golang"]
collection_url = ["https://pkg.go.dev", "https://proxy.golang.org"]
prefix = ""
transform = "last-path-segment"
confidence = "low"

[[mapping.language]]
name = "rust"
target_sw = ["rust"]
collection_url = ["https://crates.io"]
prefix = ""
confidence = "low"

# Composer packages are vendor/name; Alpine has few of them, as php-NAME.
[[mapping.language]]
name = "php"
target_sw = ["php"]
collection_url = ["https://packagist.org"]
prefix = "php-"
transform = "last-path-segment"
confidence = "low"

# Alpine packages almost no WordPress plugins; the rule mostly keeps their CVEs away
# from unrelated packages of the same name.
[[mapping.language]]
name = "wordpress"
target_sw = ["wordpress"]
collection_url = ["https://wordpress.org/plugins", "https://wordpress.org/themes"]
prefix = "wordpress-"
confidence = "low"

[mapping.exclude]
origins = []
products = []
"#;

/// How sure a mapping rule is. A match through a `low` rule makes a package
/// "possibly vulnerable" at most.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Low,
}

impl Confidence {
    fn parse(text: &str) -> Option<Confidence> {
        match text {
            "high" => Some(Confidence::High),
            "low" => Some(Confidence::Low),
            _ => None,
        }
    }
}

/// A CPE `vendor:product` pattern; `*` for either part matches anything.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct ProductPattern {
    pub vendor: Option<String>,
    pub product: Option<String>,
}

impl ProductPattern {
    /// Parses `vendor:product` (lowercased); the message says what is wrong.
    pub fn parse(text: &str) -> std::result::Result<ProductPattern, String> {
        let (vendor, product) = text
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not `vendor:product`"))?;
        let part = |what: &str, value: &str| -> std::result::Result<Option<String>, String> {
            if value == "*" {
                return Ok(None);
            }
            if value.is_empty() {
                return Err(format!("{text:?} has an empty {what} (use `*` for any)"));
            }
            if let Some(c) = value
                .chars()
                .find(|c| c.is_whitespace() || matches!(c, ':' | '*' | '?'))
            {
                return Err(format!(
                    "{text:?}: {what} contains {c:?} (only a whole part may be `*`)"
                ));
            }
            Ok(Some(value.to_lowercase()))
        };
        Ok(ProductPattern {
            vendor: part("vendor", vendor)?,
            product: part("product", product)?,
        })
    }

    /// Whether a CPE's vendor and product match (case-insensitively).
    pub fn matches(&self, vendor: &str, product: &str) -> bool {
        let part = |want: &Option<String>, have: &str| {
            want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(have))
        };
        part(&self.vendor, vendor) && part(&self.product, product)
    }
}

impl fmt::Display for ProductPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let vendor = self.vendor.as_deref().unwrap_or("*");
        let product = self.product.as_deref().unwrap_or("*");
        write!(f, "{vendor}:{product}")
    }
}

impl Serialize for ProductPattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `[[mapping.alias]]`: a product pattern that stands for named origins.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Alias {
    pub product: ProductPattern,
    pub origins: Vec<String>,
    pub confidence: Confidence,
}

/// How a language package's name becomes the origin name after the prefix.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transform {
    /// Lowercase; `::`, `_` and whitespace become `-` (`Foo::Bar` → `foo-bar`).
    Normalise,
    /// The last `/`-separated element (skipping a trailing `vN` major-version element),
    /// then [`Transform::Normalise`]: `github.com/x/y/v2` → `y`.
    LastPathSegment,
}

impl Transform {
    fn parse(text: &str) -> Option<Transform> {
        match text {
            "normalise" | "normalize" => Some(Transform::Normalise),
            "last-path-segment" => Some(Transform::LastPathSegment),
            _ => None,
        }
    }

    /// The origin-name suffix for an upstream package name.
    pub fn apply(&self, name: &str) -> String {
        match self {
            Transform::Normalise => normalise(name),
            Transform::LastPathSegment => {
                let mut segments = name.trim_matches('/').rsplit('/');
                let last = segments.next().unwrap_or_default();
                let major = last.len() > 1
                    && last.starts_with('v')
                    && last.bytes().skip(1).all(|b| b.is_ascii_digit());
                let chosen = match segments.next() {
                    Some(previous) if major && !previous.is_empty() => previous,
                    _ => last,
                };
                normalise(chosen)
            }
        }
    }
}

fn normalise(name: &str) -> String {
    name.to_lowercase()
        .replace("::", "-")
        .chars()
        .map(|c| {
            if c == '_' || c.is_whitespace() {
                '-'
            } else {
                c
            }
        })
        .collect()
}

/// `[[mapping.language]]`: packages of a language ecosystem, recognised by CPE
/// `target_sw` or CVE 5 `collectionURL`, packaged as `prefix` + transformed name.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct LanguageRule {
    pub name: String,
    pub target_sw: Vec<String>,
    pub collection_url: Vec<String>,
    pub prefix: String,
    pub transform: Transform,
    pub confidence: Confidence,
}

/// The mapping rules of a configuration, defaults merged in.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct MappingConfig {
    /// CPE product == origin name; `None` when `identity = "off"`.
    pub identity: Option<Confidence>,
    /// CPE product == a binary package name → its origin; `None` when off.
    pub binary_identity: Option<Confidence>,
    pub aliases: Vec<Alias>,
    pub languages: Vec<LanguageRule>,
    pub exclude_origins: Vec<String>,
    pub exclude_products: Vec<ProductPattern>,
}

impl MappingConfig {
    /// The defaults of [`DEFAULT_MAPPING`].
    pub fn defaults() -> Result<MappingConfig> {
        let path = Path::new("<default mapping>");
        let loc = Locator {
            text: DEFAULT_MAPPING,
            path,
        };
        let raw: RawConfig = toml::from_str(DEFAULT_MAPPING).map_err(|e| loc.toml_error(&e))?;
        let empty = MappingConfig {
            identity: None,
            binary_identity: None,
            aliases: Vec::new(),
            languages: Vec::new(),
            exclude_origins: Vec::new(),
            exclude_products: Vec::new(),
        };
        match &raw.mapping {
            Some(mapping) => empty.merged(mapping, &loc),
            None => Err(Error::new(ErrorKind::Config, "no [mapping] table").in_file(path)),
        }
    }

    /// These rules with a configuration's `[mapping]` applied (see the module docs).
    pub(crate) fn merged(mut self, raw: &RawMapping, loc: &Locator<'_>) -> Result<MappingConfig> {
        if let Some(value) = &raw.identity {
            self.identity = switch(value, "mapping.identity", loc)?;
        }
        if let Some(value) = &raw.binary_identity {
            self.binary_identity = switch(value, "mapping.binary_identity", loc)?;
        }
        for (i, alias) in raw.alias.iter().flatten().enumerate() {
            let key = format!("mapping.alias[{}]", i + 1);
            let product = pattern(&alias.product, &format!("{key}.product"), loc)?;
            let origins = names(
                alias.origins.get_ref(),
                &format!("{key}.origins"),
                loc,
                "origin",
            )?;
            if origins.is_empty() {
                return Err(loc.error(
                    alias.origins.span(),
                    &format!("{key}.origins"),
                    "an alias needs at least one origin",
                ));
            }
            let confidence = match &alias.confidence {
                Some(value) => confidence(value, &format!("{key}.confidence"), loc)?,
                None => Confidence::High,
            };
            self.aliases.push(Alias {
                product,
                origins,
                confidence,
            });
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, rule) in raw.language.iter().flatten().enumerate() {
            let key = format!("mapping.language[{}]", i + 1);
            let name = rule.name.get_ref().as_str();
            if name.is_empty() {
                return Err(loc.error(rule.name.span(), &format!("{key}.name"), "empty name"));
            }
            if seen.contains(&name) {
                return Err(loc.error(
                    rule.name.span(),
                    &format!("{key}.name"),
                    format!("a second language rule named {name:?}"),
                ));
            }
            seen.push(name);
            let existing = self.languages.iter().position(|l| l.name == name);
            if rule.enabled == Some(false) {
                if let Some(index) = existing {
                    self.languages.remove(index);
                }
                continue;
            }
            let merged = language(rule, existing.map(|i| &self.languages[i]), &key, loc)?;
            match existing {
                Some(index) => self.languages[index] = merged,
                None => self.languages.push(merged),
            }
        }
        if let Some(exclude) = &raw.exclude {
            if let Some(origins) = &exclude.origins {
                self.exclude_origins = names(origins, "mapping.exclude.origins", loc, "origin")?;
            }
            if let Some(products) = &exclude.products {
                self.exclude_products = products
                    .iter()
                    .enumerate()
                    .map(|(i, p)| pattern(p, &format!("mapping.exclude.products[{}]", i + 1), loc))
                    .collect::<Result<_>>()?;
            }
        }
        Ok(self)
    }
}

fn language(
    rule: &RawLanguage,
    base: Option<&LanguageRule>,
    key: &str,
    loc: &Locator<'_>,
) -> Result<LanguageRule> {
    let name = rule.name.get_ref().clone();
    let target_sw = match &rule.target_sw {
        Some(values) => values.iter().map(|v| v.get_ref().to_lowercase()).collect(),
        None => base.map(|b| b.target_sw.clone()).unwrap_or_default(),
    };
    let collection_url = match &rule.collection_url {
        Some(values) => {
            let mut urls = Vec::new();
            for (i, value) in values.iter().enumerate() {
                if !is_url(value.get_ref()) {
                    return Err(loc.error(
                        value.span(),
                        &format!("{key}.collection_url[{}]", i + 1),
                        format!("{:?} is not an http(s) URL prefix", value.get_ref()),
                    ));
                }
                urls.push(value.get_ref().trim_end_matches('/').to_string());
            }
            urls
        }
        None => base.map(|b| b.collection_url.clone()).unwrap_or_default(),
    };
    let prefix = match (&rule.prefix, base) {
        (Some(prefix), _) => prefix.get_ref().clone(),
        (None, Some(base)) => base.prefix.clone(),
        (None, None) => {
            return Err(loc.error(
                rule.name.span(),
                &format!("{key}.prefix"),
                format!("language rule {name:?} needs a prefix (\"\" for none)"),
            ));
        }
    };
    if target_sw.is_empty() && collection_url.is_empty() {
        return Err(loc.error(
            rule.name.span(),
            key,
            format!("language rule {name:?} has neither target_sw nor collection_url, so it never applies"),
        ));
    }
    let transform = match &rule.transform {
        Some(value) => Transform::parse(value.get_ref()).ok_or_else(|| {
            loc.error(
                value.span(),
                &format!("{key}.transform"),
                format!(
                    "{:?} is not a transform (\"normalise\" or \"last-path-segment\")",
                    value.get_ref()
                ),
            )
        })?,
        None => base.map_or(Transform::Normalise, |b| b.transform),
    };
    let confidence = match &rule.confidence {
        Some(value) => confidence(value, &format!("{key}.confidence"), loc)?,
        None => base.map_or(Confidence::High, |b| b.confidence),
    };
    Ok(LanguageRule {
        name,
        target_sw,
        collection_url,
        prefix,
        transform,
        confidence,
    })
}

fn confidence(value: &Text, key: &str, loc: &Locator<'_>) -> Result<Confidence> {
    Confidence::parse(value.get_ref()).ok_or_else(|| {
        loc.error(
            value.span(),
            key,
            format!(
                "{:?} is not a confidence (\"high\" or \"low\")",
                value.get_ref()
            ),
        )
    })
}

/// `high`, `low` or `off` (`None`).
fn switch(value: &Text, key: &str, loc: &Locator<'_>) -> Result<Option<Confidence>> {
    if value.get_ref() == "off" {
        return Ok(None);
    }
    Confidence::parse(value.get_ref()).map(Some).ok_or_else(|| {
        loc.error(
            value.span(),
            key,
            format!("{:?} is not \"high\", \"low\" or \"off\"", value.get_ref()),
        )
    })
}

fn pattern(value: &Text, key: &str, loc: &Locator<'_>) -> Result<ProductPattern> {
    ProductPattern::parse(value.get_ref()).map_err(|message| loc.error(value.span(), key, message))
}

/// Package or architecture names: not empty, no whitespace or `/`.
pub(crate) fn names(
    values: &[Text],
    key: &str,
    loc: &Locator<'_>,
    what: &str,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let text = value.get_ref();
        if text.is_empty() || text.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(loc.error(
                value.span(),
                &format!("{key}[{}]", i + 1),
                format!("{text:?} is not a valid {what} name"),
            ));
        }
        out.push(text.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let defaults = MappingConfig::defaults();
        assert!(defaults.is_ok(), "{:?}", defaults.err());
        let Ok(defaults) = defaults else { return };
        assert_eq!(defaults.identity, Some(Confidence::High));
        let names: Vec<_> = defaults.languages.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "python",
                "ruby",
                "perl",
                "lua",
                "node",
                "go",
                "rust",
                "php",
                "wordpress"
            ]
        );
    }

    #[test]
    fn transforms() {
        assert_eq!(Transform::Normalise.apply("Foo::Bar_baz"), "foo-bar-baz");
        assert_eq!(
            Transform::LastPathSegment.apply("github.com/Foo/bar_x"),
            "bar-x"
        );
        assert_eq!(Transform::LastPathSegment.apply("github.com/x/y/v2"), "y");
        assert_eq!(Transform::LastPathSegment.apply("v2"), "v2");
    }

    #[test]
    fn patterns() {
        let p = ProductPattern::parse("Jenkins:*");
        assert_eq!(
            p.as_ref().map(ToString::to_string).as_deref(),
            Ok("jenkins:*")
        );
        assert!(p.is_ok_and(|p| p.matches("jenkins", "anything") && !p.matches("x", "y")));
        assert!(ProductPattern::parse("nocolon").is_err());
        assert!(ProductPattern::parse("a:b:c").is_err());
        assert!(ProductPattern::parse("a:").is_err());
        assert!(ProductPattern::parse("a:lib*").is_err());
    }
}
