//! Reference data: Skåne's 33 municipalities (SCB code, population with its year,
//! sub-region) and the regional bodies that act as tenants beside them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SCB's 2022 population figures and sub-regions, as in `shared/reference`.
const MUNICIPALITIES_CSV: &str = include_str!("../../reference/skane-municipalities.csv");

/// The year the CSV's population figures refer to (31 December).
const POPULATION_YEAR: i32 = 2022;

/// Regional bodies: id, name, organisation number where known.
const REGIONAL_BODIES: &[(&str, &str, Option<&str>)] = &[
    ("region-skane", "Region Skåne", Some("232100-0255")),
    ("kommunforbundet-skane", "Kommunförbundet Skåne", None),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut orgs = Query::insert();
        orgs.into_table("organisations").columns([
            "id",
            "kind",
            "name",
            "scb_code",
            "org_number",
            "population",
            "population_year",
        ]);
        let mut memberships = Query::insert();
        memberships
            .into_table("subregion_memberships")
            .columns(["org_id", "subregion"]);
        for row in municipalities()? {
            orgs.values_panic([
                row.code.clone().into(),
                "municipality".into(),
                row.name.into(),
                row.code.clone().into(),
                Option::<String>::None.into(),
                row.population.into(),
                POPULATION_YEAR.into(),
            ]);
            memberships.values_panic([row.code.into(), row.subregion.into()]);
        }
        for (id, name, number) in REGIONAL_BODIES {
            if let Some(number) = number {
                samverkan_domain::OrgNumber::parse(number).map_err(|_| {
                    DbErr::Migration(format!(
                        "{name}: organisation number {number} fails its check digit"
                    ))
                })?;
            }
            orgs.values_panic([
                (*id).into(),
                "regional".into(),
                (*name).into(),
                Option::<String>::None.into(),
                number.map(str::to_string).into(),
                Option::<i64>::None.into(),
                Option::<i32>::None.into(),
            ]);
        }
        m.exec_stmt(orgs).await?;
        m.exec_stmt(memberships).await?;
        Ok(())
    }
}

struct Municipality {
    code: String,
    name: String,
    population: i64,
    subregion: String,
}

fn municipalities() -> Result<Vec<Municipality>, DbErr> {
    let bad = |e: String| DbErr::Migration(format!("reference data: {e}"));
    let mut reader = csv::Reader::from_reader(MUNICIPALITIES_CSV.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let field = |i: usize| record.get(i).unwrap_or_default().to_string();
        out.push(Municipality {
            code: field(0),
            name: field(1),
            population: field(2)
                .parse()
                .map_err(|_| bad(format!("population {:?}", field(2))))?,
            subregion: field(3),
        });
    }
    Ok(out)
}
