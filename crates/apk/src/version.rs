//! apk versions (being written).
pub struct Version;
pub struct Op;
