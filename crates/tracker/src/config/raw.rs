//! The file's shape as serde reads it: every table denies unknown keys, and values that
//! later checks may reject keep their byte span for the error's line.

use serde::Deserialize;
use toml::Spanned;

pub(crate) type Text = Spanned<String>;
pub(crate) type TextList = Spanned<Vec<Text>>;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    pub(crate) distribution: Option<RawDistribution>,
    pub(crate) database: Option<RawDatabase>,
    #[serde(default)]
    pub(crate) sources: RawSources,
    #[serde(default)]
    pub(crate) branch: Vec<RawBranch>,
    pub(crate) mapping: Option<RawMapping>,
    pub(crate) auth: Option<RawAuth>,
    pub(crate) federation: Option<RawFederation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFederation {
    pub(crate) key_id: Option<Text>,
    pub(crate) key_file: Text,
    pub(crate) retry_after: Option<Spanned<f64>>,
    pub(crate) retry_max: Option<Spanned<f64>>,
    pub(crate) max_attempts: Option<Spanned<i64>>,
    pub(crate) poll_interval: Option<Spanned<f64>>,
    pub(crate) connections: Option<Spanned<i64>>,
    pub(crate) rate_limit: Option<Spanned<i64>>,
    #[serde(default)]
    pub(crate) peer: Vec<RawPeer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPeer {
    pub(crate) name: Text,
    pub(crate) url: Text,
    pub(crate) key_id: Text,
    pub(crate) public_key: Text,
    pub(crate) follows: Option<TextList>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAuth {
    pub(crate) issuer: Text,
    pub(crate) client_id: Text,
    pub(crate) client_secret_env: Option<Text>,
    pub(crate) redirect_url: Option<Text>,
    pub(crate) scopes: Option<TextList>,
    pub(crate) security_groups: Option<TextList>,
    pub(crate) session_hours: Option<Spanned<i64>>,
    pub(crate) grants: Option<std::collections::BTreeMap<String, TextList>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDistribution {
    pub(crate) name: Option<Text>,
    pub(crate) url: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDatabase {
    pub(crate) url: Text,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSources {
    pub(crate) keys: Option<Text>,
    pub(crate) allow_untrusted: Option<bool>,
    pub(crate) archs: Option<TextList>,
    pub(crate) apkindex: Option<Text>,
    pub(crate) secdb: Option<Text>,
    pub(crate) rejections: Option<Text>,
    pub(crate) aports: Option<Text>,
    pub(crate) nvd: Option<Vec<Text>>,
    pub(crate) nvd_api: Option<RawNvdApi>,
    pub(crate) cve5: Option<Vec<Text>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNvdApi {
    pub(crate) url: Option<Text>,
    pub(crate) api_key_env: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBranch {
    pub(crate) name: Text,
    pub(crate) tag: Option<Text>,
    pub(crate) repos: TextList,
    pub(crate) archs: Option<TextList>,
    pub(crate) apkindex: Option<Text>,
    pub(crate) secdb: Option<Text>,
    pub(crate) rejections: Option<Text>,
    pub(crate) aports: Option<Text>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMapping {
    pub(crate) identity: Option<Text>,
    pub(crate) binary_identity: Option<Text>,
    pub(crate) alias: Option<Vec<RawAlias>>,
    pub(crate) language: Option<Vec<RawLanguage>>,
    pub(crate) exclude: Option<RawExclude>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlias {
    pub(crate) product: Text,
    pub(crate) origins: TextList,
    pub(crate) confidence: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLanguage {
    pub(crate) name: Text,
    pub(crate) enabled: Option<bool>,
    pub(crate) target_sw: Option<Vec<Text>>,
    pub(crate) collection_url: Option<Vec<Text>>,
    pub(crate) prefix: Option<Text>,
    pub(crate) transform: Option<Text>,
    pub(crate) confidence: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExclude {
    pub(crate) origins: Option<Vec<Text>>,
    pub(crate) products: Option<Vec<Text>>,
}
