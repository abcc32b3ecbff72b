//! The indices of an experiment's grid that cross modules (study →
//! statistics → report → output), as types, so a tier's index cannot be
//! passed where a point's is meant. Each indexes its own vector
//! (`Experiment::points`, `tiers`, `cells`; a sweep's result cells) directly.

use serde::{Deserialize, Serialize};

macro_rules! grid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub usize);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

grid_id! {
    /// A sweep point: one combination of axis values (`Experiment::points`).
    PointId
}
grid_id! {
    /// A tier of an experiment (`Experiment::tiers`).
    TierId
}
grid_id! {
    /// A cell of the grid, point-major (`Experiment::cells`, and a sweep
    /// result's cells in the same order).
    CellId
}

/// `Vec<$item>` indexed by `$id`.
macro_rules! index_by {
    ($id:ty => $item:ty) => {
        impl std::ops::Index<$id> for Vec<$item> {
            type Output = $item;
            fn index(&self, i: $id) -> &$item {
                &self[i.0]
            }
        }
    };
}
pub(crate) use index_by;
