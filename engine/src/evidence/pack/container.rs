//! The zip container: stored members, dated, read back with the refusals a pack needs.

use std::io::{Cursor, Read, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::*;

/// A zip of stored (uncompressed) members, dated `at`: the same input gives the same bytes.
pub fn write_container(members: &[(String, Vec<u8>)], at: DateTime<Utc>) -> Vec<u8> {
    // Zip dates run from 1980 to 2107; outside that the epoch of zip is used.
    let date = zip::DateTime::from_date_and_time(
        at.year().clamp(1980, 2107) as u16,
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(date)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in members {
        // Writing to memory cannot fail; names are ours and distinct.
        zip.start_file(name.as_str(), options)
            .expect("zip member starts");
        zip.write_all(bytes).expect("zip member writes");
    }
    zip.finish().expect("zip finishes").into_inner()
}

/// The members of a container in order. Refuses compressed members (a pack stores them),
/// duplicate names and more members than a pack has.
pub fn read_container(bytes: &[u8]) -> Result<Members, PackError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| PackError::Container(format!("not a zip file ({e})")))?;
    if zip.len() > MAX_MEMBERS {
        return Err(PackError::Container(format!(
            "{} members, a pack has at most {MAX_MEMBERS}",
            zip.len()
        )));
    }
    let mut out: Members = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut file = zip
            .by_index(i)
            .map_err(|e| PackError::Container(format!("member {}: {e}", i + 1)))?;
        let name = file.name().to_string();
        if file.compression() != zip::CompressionMethod::Stored {
            return Err(PackError::Container(format!(
                "{name}: compressed; pack members are stored"
            )));
        }
        // Stored: a member cannot be larger than the file that holds it.
        if file.size() > bytes.len() as u64 {
            return Err(PackError::Container(format!(
                "{name}: claims {} bytes in a {}-byte file",
                file.size(),
                bytes.len()
            )));
        }
        if out.iter().any(|(n, _)| *n == name) {
            return Err(PackError::Container(format!("{name}: appears twice")));
        }
        let mut data = Vec::with_capacity(file.size() as usize);
        file.read_to_end(&mut data)
            .map_err(|e| PackError::Container(format!("{name}: unreadable ({e})")))?;
        out.push((name, data));
    }
    Ok(out)
}
