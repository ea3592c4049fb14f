//! Who holds a job: `host:pid:nonce`. On the same host a missing process
//! is known dead at once (a restart after a crash resumes immediately);
//! elsewhere only the heartbeat tells.

use rand::Rng;

/// The owner id of this process.
pub(super) fn this_process() -> String {
    let nonce: u32 = rand::rng().random();
    format!("{}:{}:{nonce:08x}", host(), std::process::id())
}

fn host() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().replace(':', "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Whether `owner` is certainly dead: a process of this host that no
/// longer exists. Owners with this process's id count as alive (several
/// `Jobs` in one process, as in tests, must not declare each other dead).
pub(super) fn is_dead(owner: &str) -> bool {
    let mut parts = owner.rsplitn(3, ':');
    let (Some(_nonce), Some(pid), Some(owner_host)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if owner_host != host() {
        return false;
    }
    if pid == std::process::id() {
        return false;
    }
    let proc = std::path::Path::new("/proc");
    proc.join("self").exists() && !proc.join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive_and_a_vanished_pid_is_dead() {
        let me = this_process();
        assert!(!is_dead(&me));
        if std::path::Path::new("/proc/self").exists() {
            let gone = format!("{}:{}:00000000", host(), u32::MAX - 7);
            assert!(is_dead(&gone));
        }
        assert!(!is_dead("some-other-host:1:abc"));
        assert!(!is_dead("garbage"));
    }
}
