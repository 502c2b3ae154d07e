//! From upstream products to origin (source) packages.
//!
//! A CVE names software as a CPE `vendor:product` (with a `target_sw` such as `python`)
//! or, in CVE 5 records, as a vendor and product with maybe an ecosystem `packageName`
//! and `collectionURL`. The distribution names origins. [`Mapper`] ties them with the
//! configured rules, in this order, the first that applies deciding:
//!
//! 1. exclusions (`[mapping.exclude] products`): the product maps to nothing;
//! 2. aliases (`[[mapping.alias]]`): `vendor:product`, `vendor:*` or `*:product` → the
//!    listed origins; an alias is authoritative, so it also settles name collisions;
//! 3. language rules (`[[mapping.language]]`): a CPE `target_sw` or CVE 5 `collectionURL`
//!    of the ecosystem → prefix + transformed name (`python`: `Pillow` → `py3-pillow`);
//! 4. identity: the product, lowercased, equals an origin name;
//! 5. binary identity: the product equals a binary package name (`libcurl`), which maps
//!    to that package's origin (`curl`).
//!
//! Excluded origins (`[mapping.exclude] origins`) are never a target. Each result carries
//! the rule that produced it and its confidence; low confidence makes a match "possibly
//! vulnerable" only.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::config::{Confidence, MappingConfig};
use secfixes_cve::model::Rule;

/// How a product was tied to an origin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Via {
    /// The mapping rule, as shown in explanations: `identity`, `alias libexpat_project:libexpat`,
    /// `language python`.
    pub rule: String,
    pub confidence: Confidence,
}

/// The product identity of a rule: what mapping looks at. Absent parts are empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProductKey {
    pub vendor: String,
    pub product: String,
    pub target_sw: String,
    pub package_name: String,
    pub collection_url: String,
}

impl ProductKey {
    /// The key of one rule; `None` for rules that can never name a package: hardware
    /// CPEs and rules without a product or package name.
    pub fn of(rule: &Rule) -> Option<ProductKey> {
        if rule.criteria.starts_with("cpe:2.3:h:") {
            return None;
        }
        let part = |s: &Option<String>| {
            s.as_deref()
                .filter(|v| !matches!(*v, "*" | "-" | "n/a"))
                .unwrap_or("")
                .to_owned()
        };
        let key = ProductKey {
            vendor: part(&rule.vendor),
            product: part(&rule.product),
            target_sw: part(&rule.target_sw),
            package_name: part(&rule.package_name),
            collection_url: part(&rule.collection_url),
        };
        (!key.product.is_empty() || !key.package_name.is_empty()).then_some(key)
    }
}

/// Applies the mapping rules against the origins the distribution has.
#[derive(Debug)]
pub struct Mapper<'a> {
    config: &'a MappingConfig,
    origins: &'a HashSet<String>,
    binaries: &'a HashMap<String, String>,
}

impl<'a> Mapper<'a> {
    /// `origins` is every origin name in any repository; `binaries` maps binary package
    /// names that differ from their origin's to the origin.
    pub fn new(
        config: &'a MappingConfig,
        origins: &'a HashSet<String>,
        binaries: &'a HashMap<String, String>,
    ) -> Self {
        Mapper {
            config,
            origins,
            binaries,
        }
    }

    /// The origins `key` maps to, with how; empty when it names nothing packaged.
    pub fn map(&self, key: &ProductKey) -> Vec<(String, Via)> {
        let vendor = key.vendor.to_lowercase();
        let product = key.product.to_lowercase();
        if self
            .config
            .exclude_products
            .iter()
            .any(|p| p.matches(&vendor, &product))
        {
            return Vec::new();
        }
        let mut out: Vec<(String, Via)> = Vec::new();
        let push = |out: &mut Vec<(String, Via)>, origin: &str, via: Via| {
            if self.origins.contains(origin)
                && !self.config.exclude_origins.iter().any(|o| o == origin)
                && !out.iter().any(|(o, _)| o == origin)
            {
                out.push((origin.to_owned(), via));
            }
        };

        let aliases: Vec<_> = self
            .config
            .aliases
            .iter()
            .filter(|a| a.product.matches(&vendor, &product))
            .collect();
        if !aliases.is_empty() {
            for alias in aliases {
                for origin in &alias.origins {
                    push(
                        &mut out,
                        origin,
                        Via {
                            rule: format!("alias {}", alias.product),
                            confidence: alias.confidence,
                        },
                    );
                }
            }
            return out;
        }

        let target_sw = key.target_sw.to_lowercase();
        let language = self.config.languages.iter().find(|l| {
            (!target_sw.is_empty() && l.target_sw.contains(&target_sw))
                || (!key.collection_url.is_empty()
                    && l.collection_url
                        .iter()
                        .any(|u| key.collection_url.starts_with(u.as_str())))
        });
        if let Some(lang) = language {
            let name = if key.package_name.is_empty() {
                &key.product
            } else {
                &key.package_name
            };
            let origin = format!("{}{}", lang.prefix, lang.transform.apply(name));
            push(
                &mut out,
                &origin,
                Via {
                    rule: format!("language {}", lang.name),
                    confidence: lang.confidence,
                },
            );
            return out;
        }

        if let Some(confidence) = self.config.identity
            && !product.is_empty()
        {
            push(
                &mut out,
                &product,
                Via {
                    rule: "identity".to_owned(),
                    confidence,
                },
            );
        }
        if out.is_empty()
            && let Some(confidence) = self.config.binary_identity
            && let Some(origin) = self.binaries.get(&product)
        {
            push(
                &mut out,
                origin,
                Via {
                    rule: format!("binary package {product}"),
                    confidence,
                },
            );
        }
        out
    }
}
