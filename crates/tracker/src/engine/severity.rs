//! The severity shown for a CVE: one score chosen from what the sources say, banded as
//! the CVSS specification says (the original tracker called 7.5 "medium").

use secfixes_cve::model::{Cve, Cvss, CvssVersion, Origin, Severity};

/// The score a CVE is shown with: CVSS v3 before v4 before v2 (v3 is what most data
/// and tools still rank by), and within a version NVD's primary score, then the CNA's,
/// then an ADP's (CISA), then any other.
pub fn chosen(cve: &Cve) -> Option<&Cvss> {
    cve.cvss.iter().min_by_key(|c| {
        let version_rank = match c.version {
            CvssVersion::V3_1 | CvssVersion::V3_0 => 0,
            CvssVersion::V4_0 => 1,
            CvssVersion::V2 => 2,
        };
        let origin_rank = match (c.origin, c.kind.as_deref()) {
            (Origin::Nvd, Some("Secondary")) => 3,
            (Origin::Nvd, _) => 0,
            (Origin::Cna, _) => 1,
            (Origin::Adp, _) => 2,
        };
        (version_rank, origin_rank)
    })
}

/// The qualitative band of a score: CVSS v3/v4 (none 0, low < 4, medium < 7, high < 9,
/// critical) or v2 (low < 4, medium < 7, high).
pub fn band(version: CvssVersion, score: f64) -> Severity {
    if version == CvssVersion::V2 {
        return if score < 4.0 {
            Severity::Low
        } else if score < 7.0 {
            Severity::Medium
        } else {
            Severity::High
        };
    }
    if score <= 0.0 {
        Severity::None
    } else if score < 4.0 {
        Severity::Low
    } else if score < 7.0 {
        Severity::Medium
    } else if score < 9.0 {
        Severity::High
    } else {
        Severity::Critical
    }
}

/// The severity name and score a CVE is listed with.
pub fn of(cve: &Cve) -> Option<(Severity, f64)> {
    chosen(cve).map(|c| (band(c.version, c.score), c.score))
}

/// The lowercase name used in reports: `low`, `medium`, `high`, `critical`, `none`.
pub fn name(s: Severity) -> &'static str {
    match s {
        Severity::None => "none",
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_cvss_specification_not_the_original_tracker() {
        // The original tracker: above 8.0 high, above 4.0 medium — 7.5 was "medium".
        assert_eq!(band(CvssVersion::V3_1, 7.5), Severity::High);
        assert_eq!(band(CvssVersion::V3_1, 9.8), Severity::Critical);
        assert_eq!(band(CvssVersion::V3_1, 4.0), Severity::Medium);
        assert_eq!(band(CvssVersion::V3_1, 3.9), Severity::Low);
        assert_eq!(band(CvssVersion::V3_1, 0.0), Severity::None);
        assert_eq!(band(CvssVersion::V2, 9.3), Severity::High);
    }
}
