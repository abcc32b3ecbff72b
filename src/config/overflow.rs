//! Overflow routes between limits (`on_full = { overflow = "NAME" }`):
//! resolving each route's standby limit by name and refusing the routes the
//! engine could not follow (a missing or non-standby target, a scope that
//! does not match, two limits sharing one standby, a loop).

use crate::model::{Limit, OnFull, Scope};

/// Resolves every `routes[i]` (the standby name limit `i`'s `on_full`
/// gives) into `OnFull::Overflow { to }`; returns each problem as (key,
/// message). `limits` are all read (no `None`).
pub(super) fn resolve(limits: &mut [Option<Limit>], routes: &[Option<String>]) -> Vec<(String, String)> {
    let names: Vec<String> = limits.iter().flatten().map(|l| l.name.clone()).collect();
    let mut problems = Vec::new();
    let mut into: Vec<Option<usize>> = vec![None; limits.len()];
    for (i, route) in routes.iter().enumerate() {
        let Some(target) = route else { continue };
        let key = format!("limits.{}.on_full.overflow", names[i]);
        let Some(to) = names.iter().position(|n| n == target) else {
            problems.push((key, format!("no limit is named {target:?} (limits: {})", names.join(", "))));
            continue;
        };
        let (from, standby) = (limits[i].as_ref().expect("read"), limits[to].as_ref().expect("read"));
        let request = |l: &Limit| matches!(l.scope, Scope::Request { .. });
        let problem = if to == i {
            Some(format!("{target:?} is this limit itself: overflow goes to another limit, with standby = true"))
        } else if !standby.standby {
            Some(format!(
                "{target:?} is a step of the chain, not a standby limit: give it standby = true so that only overflow reaches it"
            ))
        } else if request(from) != request(standby) {
            let scope = if request(from) { "request" } else { "call or setup" };
            Some(format!(
                "{target:?} has another scope: a {scope}-scoped limit overflows to a {scope}-scoped standby (what it admits is held the same way)"
            ))
        } else if let Some(first) = into[to] {
            Some(format!(
                "{target:?} is already where {:?} overflows: each standby limit serves one limit's overflow (a call could otherwise hold it twice); declare a standby per limit",
                names[first]
            ))
        } else {
            None
        };
        match problem {
            Some(p) => problems.push((key, p)),
            None => {
                into[to] = Some(i);
                limits[i].as_mut().expect("read").on_full = OnFull::Overflow { to };
            }
        }
    }
    // Routes left unresolved after a problem are reported already.
    for l in limits.iter_mut().flatten() {
        if matches!(l.on_full, OnFull::Overflow { to: usize::MAX }) {
            l.on_full = OnFull::Reject;
        }
    }
    for start in 0..limits.len() {
        let mut path = vec![start];
        let mut at = start;
        while let Some(to) = limits[at].as_ref().and_then(Limit::overflow_to) {
            if path.contains(&to) {
                if to == start {
                    let route: Vec<&str> = path.iter().chain([&to]).map(|&k| names[k].as_str()).collect();
                    problems.push((
                        format!("limits.{}.on_full.overflow", names[start]),
                        format!("overflow loops ({}): a call would never be refused", route.join(" → ")),
                    ));
                }
                break;
            }
            path.push(to);
            at = to;
        }
    }
    problems
}

/// Standby limits no limit overflows into: they would never carry a call.
pub(super) fn unreached(limits: &[Limit]) -> Vec<&str> {
    limits
        .iter()
        .enumerate()
        .filter(|&(i, l)| l.standby && !limits.iter().any(|m| m.overflow_to() == Some(i)))
        .map(|(_, l)| l.name.as_str())
        .collect()
}
