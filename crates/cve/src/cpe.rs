//! CPE 2.3 names (NISTIR 7695) and name matching (NISTIR 7696). TODO: being written.
