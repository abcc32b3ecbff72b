//! Routes between limits to standby limits: overflow when full (`on_full =
//! { overflow = "NAME" }`) and fallback on failure (`fallback = "NAME"`).
//! Resolves each route's standby limit by name and refuses the routes the
//! engine could not follow (a missing or non-standby target, a scope that
//! does not match, two limits sharing one standby, a loop).

use crate::model::{Limit, OnFull, Scope};

/// The standby names a limit's routes give, as written.
#[derive(Debug, Default)]
pub(super) struct Routes {
    /// `on_full = { overflow = NAME }`.
    pub(super) overflow: Option<String>,
    /// `fallback = NAME`.
    pub(super) fallback: Option<String>,
}

/// Resolves every route of `routes[i]` into limit `i`'s
/// `OnFull::Overflow { to }` and `failure.fallback`; returns each problem
/// as (key, message). `limits` are all read (no `None`).
pub(super) fn resolve(limits: &mut [Option<Limit>], routes: &[Routes]) -> Vec<(String, String)> {
    let names: Vec<String> = limits.iter().flatten().map(|l| l.name.clone()).collect();
    let mut problems = Vec::new();
    let mut into: Vec<Option<usize>> = vec![None; limits.len()];
    let each = routes
        .iter()
        .enumerate()
        .flat_map(|(i, r)| [(i, &r.overflow, "on_full.overflow"), (i, &r.fallback, "fallback")].into_iter());
    for (i, route, what) in each {
        let Some(target) = route else { continue };
        let key = format!("limits.{}.{what}", names[i]);
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
        } else {
            into[to].filter(|&first| first != i).map(|first| format!(
                "{target:?} is already where {:?} overflows or falls back: each standby limit serves one limit (a call could otherwise hold it twice); declare a standby per limit",
                names[first]
            ))
        };
        match problem {
            Some(p) => problems.push((key, p)),
            None => {
                into[to] = Some(i);
                let l = limits[i].as_mut().expect("read");
                match what {
                    "fallback" => l.failure.as_mut().expect("a fallback makes a failure").fallback = Some(to),
                    _ => l.on_full = OnFull::Overflow { to },
                }
            }
        }
    }
    // Routes left unresolved after a problem are reported already.
    for l in limits.iter_mut().flatten() {
        if matches!(l.on_full, OnFull::Overflow { to: usize::MAX }) {
            l.on_full = OnFull::Reject;
        }
    }
    // Each standby has one limit routing into it, so a loop is a cycle of
    // standbys only: found from any of its members by following routes.
    for start in 0..limits.len() {
        let mut path = vec![start];
        let mut frontier = vec![start];
        let mut looped = false;
        while let Some(at) = frontier.pop() {
            for to in limits[at].as_ref().map(|l| l.routes().collect::<Vec<_>>()).unwrap_or_default() {
                if to == start {
                    looped = true;
                } else if !path.contains(&to) {
                    path.push(to);
                    frontier.push(to);
                }
            }
        }
        if looped {
            let mut route: Vec<&str> = path.iter().map(|&k| names[k].as_str()).collect();
            route.push(&names[start]);
            problems.push((
                format!(
                    "limits.{}.{}",
                    names[start],
                    if routes[start].overflow.is_some() { "on_full.overflow" } else { "fallback" }
                ),
                format!("routes loop ({}): a call would never be refused", route.join(" → ")),
            ));
        }
    }
    problems
}

/// Standby limits no limit overflows or falls back into: they would never carry a call.
pub(super) fn unreached(limits: &[Limit]) -> Vec<&str> {
    limits
        .iter()
        .enumerate()
        .filter(|&(i, l)| l.standby && !limits.iter().any(|m| m.routes().any(|to| to == i)))
        .map(|(_, l)| l.name.as_str())
        .collect()
}
