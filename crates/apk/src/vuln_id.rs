//! The order of vulnerability ids (`CVE-2024-999` before `CVE-2024-1000`), shared by
//! everything that lists ids: the index annotation, the tracker's exports, the audit
//! report.

use std::cmp::Ordering;

/// Natural order of ids: runs of digits compare as numbers (`CVE-2024-999` before
/// `CVE-2024-1000`), everything else by bytes; ids equal but for leading zeros by bytes,
/// so the order is total.
pub fn id_order(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let (dx, rx) = split_digits(x);
                let (dy, ry) = split_digits(y);
                let (tx, ty) = (trim_zeros(dx), trim_zeros(dy));
                let by_value = tx.len().cmp(&ty.len()).then_with(|| tx.cmp(ty));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (x, y) = (rx, ry);
            }
            (Some(p), Some(q)) => {
                if p != q {
                    return p.cmp(q);
                }
                (x, y) = (
                    x.get(1..).unwrap_or_default(),
                    y.get(1..).unwrap_or_default(),
                );
            }
        }
    }
}

fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    s.split_at(n)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b'0').count();
    s.get(n..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        let mut ids = [
            "CVE-2024-1000",
            "GHSA-abcd",
            "CVE-2023-99999",
            "CVE-2024-999",
            "CVE-2024-0999",
            "CVE-2024-10000",
            "CVE-2024-999a",
        ];
        ids.sort_by(|a, b| id_order(a, b));
        assert_eq!(
            ids,
            [
                "CVE-2023-99999",
                "CVE-2024-0999",
                "CVE-2024-999",
                "CVE-2024-999a",
                "CVE-2024-1000",
                "CVE-2024-10000",
                "GHSA-abcd",
            ]
        );
    }
}
