//! Where an input comes from ([`Source`]) and the `{branch}`/`{tag}`/`{repo}`/`{arch}`
//! templates that name one source per branch, repository and architecture.

/// A file, directory or URL named by the configuration: the fetch crate's, so that what
/// the configuration names can be downloaded as it is. A relative path is already
/// resolved against the configuration's base directory.
pub use secfixes_fetch::feeds::Source;

pub(crate) use secfixes_fetch::feeds::is_url;

/// A placeholder of a source template.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Placeholder {
    /// The branch name, `v3.16`.
    Branch,
    /// The branch tag, `3.16`.
    Tag,
    /// The repository name, `main`.
    Repo,
    /// The architecture, `x86_64`.
    Arch,
}

impl Placeholder {
    fn name(self) -> &'static str {
        match self {
            Placeholder::Branch => "branch",
            Placeholder::Tag => "tag",
            Placeholder::Repo => "repo",
            Placeholder::Arch => "arch",
        }
    }
}

/// A checked template: literal text and placeholders.
#[derive(Clone, Debug)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

#[derive(Clone, Debug)]
enum Part {
    Text(String),
    Field(Placeholder),
}

/// The values a template is expanded with.
pub(crate) struct Values<'a> {
    pub(crate) branch: &'a str,
    pub(crate) tag: &'a str,
    pub(crate) repo: &'a str,
    pub(crate) arch: Option<&'a str>,
}

impl Template {
    /// Parses `text`, allowing only the placeholders in `allowed`. A `{` always opens a
    /// placeholder; the error message says what is wrong.
    pub(crate) fn parse(text: &str, allowed: &[Placeholder]) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find(['{', '}']) {
            let (before, after) = rest.split_at(open);
            if !before.is_empty() {
                parts.push(Part::Text(before.to_string()));
            }
            if after.starts_with('}') {
                return Err(format!("`}}` without `{{` in template {text:?}"));
            }
            let close = after
                .find('}')
                .ok_or_else(|| format!("unclosed `{{` in template {text:?}"))?;
            let name = after.get(1..close).unwrap_or_default();
            let field = [
                Placeholder::Branch,
                Placeholder::Tag,
                Placeholder::Repo,
                Placeholder::Arch,
            ]
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown placeholder `{{{name}}}` (known: {})",
                    list(allowed)
                )
            })?;
            if !allowed.contains(&field) {
                return Err(format!(
                    "placeholder `{{{name}}}` cannot be used here (allowed: {})",
                    list(allowed)
                ));
            }
            parts.push(Part::Field(field));
            rest = after.get(close + 1..).unwrap_or_default();
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The text with every placeholder replaced.
    pub(crate) fn expand(&self, values: &Values<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field(Placeholder::Branch) => out.push_str(values.branch),
                Part::Field(Placeholder::Tag) => out.push_str(values.tag),
                Part::Field(Placeholder::Repo) => out.push_str(values.repo),
                Part::Field(Placeholder::Arch) => out.push_str(values.arch.unwrap_or_default()),
            }
        }
        out
    }
}

fn list(allowed: &[Placeholder]) -> String {
    if allowed.is_empty() {
        return "none".to_string();
    }
    allowed
        .iter()
        .map(|p| format!("{{{}}}", p.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    const ALL: &[Placeholder] = &[
        Placeholder::Branch,
        Placeholder::Tag,
        Placeholder::Repo,
        Placeholder::Arch,
    ];

    #[test]
    fn expands_every_placeholder() {
        let template = Template::parse("x/{branch}/{tag}-{repo}/{arch}/y", ALL);
        let values = Values {
            branch: "v3.16",
            tag: "3.16",
            repo: "main",
            arch: Some("x86_64"),
        };
        assert_eq!(
            template.map(|t| t.expand(&values)).as_deref(),
            Ok("x/v3.16/3.16-main/x86_64/y")
        );
    }

    #[test]
    fn rejects_unknown_misplaced_and_unbalanced() {
        assert!(Template::parse("{version}", ALL).is_err_and(|e| e.contains("{version}")));
        assert!(Template::parse("{arch}", &ALL[..3]).is_err_and(|e| e.contains("cannot")));
        assert!(Template::parse("a{branch", ALL).is_err_and(|e| e.contains("unclosed")));
        assert!(Template::parse("a}", ALL).is_err());
    }

    #[test]
    fn urls_and_paths() {
        let base = Path::new("/data");
        assert_eq!(
            Source::resolve("HTTPS://x/y", base),
            Source::Url("HTTPS://x/y".into())
        );
        assert_eq!(
            Source::resolve("a/b", base),
            Source::Path("/data/a/b".into())
        );
        assert_eq!(Source::resolve("/abs", base), Source::Path("/abs".into()));
    }
}
