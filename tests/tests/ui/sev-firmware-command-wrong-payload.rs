//! `Sev::issue` takes a firmware command bound to its id, not a bare status struct.

use sev_ioctls::sev::{sev_user_data_status, Sev, SevError};

fn status(sev: &Sev) -> Result<(), SevError> {
    let mut status = sev_user_data_status::default();
    sev.issue(&mut status)
}

fn main() {}
