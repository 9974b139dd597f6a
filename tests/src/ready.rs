//! A helper program started once per test process: it prints `READY <address>` when it
//! serves, and exits when its standard input closes, so it never outlives the tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;

/// A started helper and the address it announced.
pub(crate) struct Ready {
    /// What followed `READY `.
    pub(crate) address: String,
    // Kept open: the helper exits when its stdin closes, i.e. when this process ends.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

/// Starts `command` (`what` names it in failures) and waits for its `READY` line; the
/// rest of its output is drained, so that it never blocks on a full pipe.
pub(crate) fn start(mut command: Command, what: &str) -> Ready {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{what} starts: {e}"));
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let address = loop {
        line.clear();
        let read = reader.read_line(&mut line).expect("read the output");
        assert!(read > 0, "{what} stopped before it was ready");
        if let Some(address) = line.trim().strip_prefix("READY ") {
            break address.to_string();
        }
    };
    std::thread::spawn(move || for _ in reader.lines() {});
    Ready {
        address,
        _stdin: Mutex::new(child.stdin.take().expect("stdin")),
        _child: Mutex::new(child),
    }
}
