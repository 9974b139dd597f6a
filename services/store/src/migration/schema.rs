//! Statement helpers shared by the migrations. A migration that has run must never
//! change, so these must keep emitting exactly what they emit now: add a new helper
//! rather than change one.

use sea_orm_migration::prelude::*;

/// An index named `idx_{table}_{columns}` on `cols`, in order.
pub(super) fn index(table: &str, cols: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("idx_{table}_{}", cols.join("_")))
        .table(table.to_string());
    for col in cols {
        index.col(Alias::new(*col));
    }
    index.to_owned()
}

/// A foreign key from `table.col` to `target.id` that refuses to delete a referenced row.
pub(super) fn fk(table: &str, col: &str, target: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{col}"))
        .from(table.to_string(), col.to_string())
        .to(target.to_string(), "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// A foreign key from `table.col` to `target.id` whose rows go with the referenced row.
pub(super) fn fk_cascade(table: &str, col: &str, target: &str) -> ForeignKeyCreateStatement {
    let mut key = fk(table, col, target);
    key.on_delete(ForeignKeyAction::Cascade);
    key
}
