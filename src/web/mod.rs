//! The dashboard page and the plain JSON/CSV endpoints for BI tools.
