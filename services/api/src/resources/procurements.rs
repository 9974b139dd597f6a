//! `/procurements`: joint procurements, their stages, expiring contracts, and the
//! OCDS and CSV exports. Participation is in `participants`.

use std::sync::Arc;

use chrono::{Months, NaiveDate};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use samverkan_domain::Caller;
use samverkan_domain::money::Sek;
use samverkan_domain::procurement::ProcurementInput;
use samverkan_domain::procurement::cpv;
use samverkan_domain::solution::SolutionInput;
use samverkan_domain::vocab::ProcurementStage;
use samverkan_store::repo::procurements::{Procurement, ProcurementFilter, Transition};
use samverkan_store::{Page, PageRequest, Store, today};
use uuid::Uuid;

use super::{ApiTags, Deleted, entity_response, org_param, page};
use crate::auth::{BearerAuth, OptionalAuth};
use crate::body::JsonBody;
use crate::etag::{self, etag};
use crate::problem::ApiError;
use crate::procurement::{ProcurementPage, ProcurementSettings, ProcurementView, csv, ocds};
use crate::views::SolutionView;

entity_response!(ProcurementResponse, ProcurementCreated, ProcurementView);

/// A requested stage change.
#[derive(Debug, Object, serde::Deserialize)]
pub struct TransitionInput {
    /// The stage to move to; see `allowed_next_stages` on the procurement.
    pub to: ProcurementStage,
    /// The day it happened; defaults to today, may be earlier (not before the current
    /// stage began), never later.
    pub on: Option<NaiveDate>,
}

/// The CSV export.
#[derive(ApiResponse)]
pub enum CsvExport {
    /// UTF-8 with a byte-order mark; the first row names the columns.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

/// The list filters, shared by the list and the CSV export.
#[derive(Debug, Default)]
struct ListQuery {
    stage: Option<ProcurementStage>,
    lead: Option<String>,
    participant: Option<String>,
    cpv_prefix: Option<String>,
    deadline_before: Option<NaiveDate>,
    value_min_sek: Option<String>,
    value_max_sek: Option<String>,
    sort: Option<String>,
}

impl ListQuery {
    fn filter(self, today: NaiveDate) -> Result<ProcurementFilter, ApiError> {
        let mut errors = samverkan_domain::ValidationErrors::new();
        let sek =
            |errors: &mut samverkan_domain::ValidationErrors, name: &str, raw: Option<String>| {
                raw.and_then(|r| errors.take(name, Sek::parse(&r)))
            };
        let value_min = sek(&mut errors, "value_min_sek", self.value_min_sek);
        let value_max = sek(&mut errors, "value_max_sek", self.value_max_sek);
        let cpv_prefix = self
            .cpv_prefix
            .and_then(|raw| errors.take("cpv_prefix", cpv::parse_prefix(&raw)));
        errors.finish(|| ())?;
        Ok(ProcurementFilter {
            stage: self.stage,
            lead: org_param("lead", self.lead)?,
            participant: org_param("participant", self.participant)?,
            involving: None,
            cpv_prefix,
            deadline_before: self.deadline_before,
            today: Some(today),
            value_min,
            value_max,
            sort: self.sort,
        })
    }
}

/// Procurements API.
pub struct ProcurementsApi {
    /// The store.
    pub store: Store,
    /// Thresholds and export settings.
    pub settings: Arc<ProcurementSettings>,
}

impl ProcurementsApi {
    fn view(&self, p: Procurement, caller: &Caller) -> ProcurementView {
        ProcurementView::of(p, caller, &self.settings, today())
    }

    fn page(&self, page: Page<Procurement>, caller: &Caller) -> ProcurementPage {
        ProcurementPage {
            items: page
                .items
                .into_iter()
                .map(|p| self.view(p, caller))
                .collect(),
            next_cursor: page.next_cursor,
        }
    }

    fn respond(&self, p: Procurement, caller: &Caller) -> ProcurementResponse {
        let tag = etag(p.version);
        ProcurementResponse::Ok(Json(self.view(p, caller)), tag)
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Procurements")]
impl ProcurementsApi {
    /// Register a joint procurement managed by your organisation (procurement officer).
    /// It starts in `need_analysis`.
    #[oai(
        path = "/procurements",
        method = "post",
        operation_id = "create_procurement"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        body: JsonBody<ProcurementInput>,
    ) -> Result<ProcurementCreated, ApiError> {
        let fields = body.0.validate()?;
        let p = self
            .store
            .create_procurement(&auth.0, fields, today())
            .await?;
        let (tag, location) = (etag(p.version), format!("/api/v1/procurements/{}", p.id));
        Ok(ProcurementCreated::Created(
            Json(self.view(p, &auth.0)),
            tag,
            location,
        ))
    }

    /// List the procurements you may see: public ones, those your organisation manages
    /// or takes part in, and (for the coordinator) all.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/procurements",
        method = "get",
        operation_id = "list_procurements"
    )]
    async fn list(
        &self,
        auth: OptionalAuth,
        /// Only procurements in this stage.
        stage: Query<Option<ProcurementStage>>,
        /// Only procurements managed by this organisation.
        lead: Query<Option<String>>,
        /// Only procurements this organisation takes part in (any state).
        participant: Query<Option<String>>,
        /// Only procurements with a CPV code (main or additional) starting with these
        /// digits, e.g. `48` (software packages).
        cpv_prefix: Query<Option<String>>,
        /// Only procurements with a deadline from today up to and including this day.
        deadline_before: Query<Option<NaiveDate>>,
        /// Only procurements estimated at this value or more, SEK.
        value_min_sek: Query<Option<String>>,
        /// Only procurements estimated at this value or less, SEK.
        value_max_sek: Query<Option<String>>,
        /// Sort: `-created` (default), `created`, `-value`, `value`.
        sort: Query<Option<String>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ProcurementPage>, ApiError> {
        let caller = auth.caller();
        let query = ListQuery {
            stage: stage.0,
            lead: lead.0,
            participant: participant.0,
            cpv_prefix: cpv_prefix.0,
            deadline_before: deadline_before.0,
            value_min_sek: value_min_sek.0,
            value_max_sek: value_max_sek.0,
            sort: sort.0,
        };
        let filter = query.filter(today())?;
        let found = self
            .store
            .list_procurements(&caller, &filter, &page(limit.0, cursor.0))
            .await?;
        Ok(Json(self.page(found, &caller)))
    }

    /// The same list as a CSV file for spreadsheets, every matching row (no pages).
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/procurements.csv",
        method = "get",
        operation_id = "export_procurements_csv"
    )]
    async fn export_csv(
        &self,
        auth: OptionalAuth,
        /// Only procurements in this stage.
        stage: Query<Option<ProcurementStage>>,
        /// Only procurements managed by this organisation.
        lead: Query<Option<String>>,
        /// Only procurements this organisation takes part in.
        participant: Query<Option<String>>,
        /// Only procurements with a CPV code starting with these digits.
        cpv_prefix: Query<Option<String>>,
        /// Only procurements with a deadline from today up to this day.
        deadline_before: Query<Option<NaiveDate>>,
        /// Minimum estimated value, SEK.
        value_min_sek: Query<Option<String>>,
        /// Maximum estimated value, SEK.
        value_max_sek: Query<Option<String>>,
        /// Sort, as for the list.
        sort: Query<Option<String>>,
        /// `comma` (default) or `semicolon` (what Excel expects in a Swedish locale).
        delimiter: Query<Option<String>>,
    ) -> Result<CsvExport, ApiError> {
        let caller = auth.caller();
        let delimiter = match delimiter.0.as_deref() {
            None | Some("comma") => b',',
            Some("semicolon") => b';',
            Some(_) => return Err(ApiError::field("delimiter", "must be comma or semicolon")),
        };
        let query = ListQuery {
            stage: stage.0,
            lead: lead.0,
            participant: participant.0,
            cpv_prefix: cpv_prefix.0,
            deadline_before: deadline_before.0,
            value_min_sek: value_min_sek.0,
            value_max_sek: value_max_sek.0,
            sort: sort.0,
        };
        let filter = query.filter(today())?;
        let rows = self.all_pages(&caller, &filter).await?;
        let bytes = csv::write(&rows, &self.settings, today(), delimiter)
            .map_err(|e| ApiError::internal(&e))?;
        let disposition = format!("attachment; filename=\"upphandlingar-{}.csv\"", today());
        Ok(CsvExport::Ok(Binary(bytes), disposition))
    }

    /// Your organisation's procurements: those it manages and those it takes part in
    /// (staff).
    #[oai(
        path = "/procurements/mine",
        method = "get",
        operation_id = "my_procurements"
    )]
    async fn mine(
        &self,
        auth: BearerAuth,
        /// Only procurements in this stage.
        stage: Query<Option<ProcurementStage>>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ProcurementPage>, ApiError> {
        let caller = auth.0;
        let org = caller.staff_org().cloned().ok_or_else(|| {
            samverkan_store::StoreError::Forbidden(
                "this view needs a staff token of an organisation".into(),
            )
        })?;
        let filter = ProcurementFilter {
            stage: stage.0,
            involving: Some(org),
            ..Default::default()
        };
        let found = self
            .store
            .list_procurements(&caller, &filter, &page(limit.0, cursor.0))
            .await?;
        Ok(Json(self.page(found, &caller)))
    }

    /// Contracts and framework agreements whose initial term ends within the next
    /// `within_months` months, soonest first: time to start re-procuring.
    #[oai(
        path = "/procurements/expiring",
        method = "get",
        operation_id = "expiring_procurements"
    )]
    async fn expiring(
        &self,
        auth: OptionalAuth,
        /// How many months ahead to look, 1-120.
        within_months: Query<u32>,
        /// Page size, 1-100 (default 20).
        limit: Query<Option<u64>>,
        /// `next_cursor` from the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ProcurementPage>, ApiError> {
        if !(1..=120).contains(&within_months.0) {
            return Err(ApiError::field("within_months", "must be 1 to 120"));
        }
        let caller = auth.caller();
        let start = today();
        let until = start
            .checked_add_months(Months::new(within_months.0))
            .ok_or_else(|| ApiError::field("within_months", "is too far ahead"))?;
        let found = self
            .store
            .expiring_procurements(&caller, start, until, &page(limit.0, cursor.0))
            .await?;
        Ok(Json(self.page(found, &caller)))
    }

    /// Read one procurement with its participants, stages and threshold check.
    #[oai(
        path = "/procurements/:id",
        method = "get",
        operation_id = "get_procurement"
    )]
    async fn get(
        &self,
        auth: OptionalAuth,
        id: Path<Uuid>,
    ) -> Result<ProcurementResponse, ApiError> {
        let caller = auth.caller();
        let p = self.store.get_procurement(&caller, id.0).await?;
        Ok(self.respond(p, &caller))
    }

    /// Replace a procurement's content (its managing organisation's procurement officer);
    /// stages move through `transitions`, participants through `participants`. The
    /// contract can be recorded from the award stage on. Send `If-Match`.
    #[oai(
        path = "/procurements/:id",
        method = "put",
        operation_id = "replace_procurement"
    )]
    async fn replace(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<ProcurementInput>,
    ) -> Result<ProcurementResponse, ApiError> {
        let version = etag::required(if_match.0.as_deref())?;
        let fields = body.0.validate()?;
        let p = self
            .store
            .replace_procurement(&auth.0, id.0, version, fields)
            .await?;
        Ok(self.respond(p, &auth.0))
    }

    /// Delete a procurement still in `need_analysis`; later ones are cancelled instead.
    #[oai(
        path = "/procurements/:id",
        method = "delete",
        operation_id = "delete_procurement"
    )]
    async fn delete(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
    ) -> Result<Deleted, ApiError> {
        let version = etag::optional(if_match.0.as_deref())?;
        self.store
            .delete_procurement(&auth.0, id.0, version)
            .await?;
        Ok(Deleted::NoContent)
    }

    /// Move the procurement to another stage (managing organisation). A change the
    /// stage machine does not allow gets 409 with `allowed_next`. Leaving the award for
    /// re-evaluation or cancellation drops the unsigned contract.
    #[oai(
        path = "/procurements/:id/transitions",
        method = "post",
        operation_id = "transition_procurement"
    )]
    async fn transition(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<TransitionInput>,
    ) -> Result<ProcurementResponse, ApiError> {
        let version = etag::optional(if_match.0.as_deref())?;
        let transition = Transition {
            to: body.0.to,
            on: body.0.on.unwrap_or_else(today),
        };
        let p = self
            .store
            .transition_procurement(&auth.0, id.0, version, transition, today())
            .await?;
        Ok(self.respond(p, &auth.0))
    }

    /// Publish an awarded framework agreement to the solutions catalog (managing
    /// organisation). The body describes the solution; its kind must be
    /// `framework_agreement`. The solution and the procurement link to each other.
    #[oai(
        path = "/procurements/:id/solution",
        method = "post",
        operation_id = "publish_framework_agreement"
    )]
    async fn publish(
        &self,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: JsonBody<SolutionInput>,
    ) -> Result<Json<SolutionView>, ApiError> {
        let fields = body.0.validate()?;
        if fields.kind != samverkan_domain::vocab::SolutionKind::FrameworkAgreement {
            return Err(ApiError::field("kind", "must be framework_agreement"));
        }
        let (_, solution) = self
            .store
            .publish_framework_agreement(&auth.0, id.0, fields)
            .await?;
        Ok(Json(SolutionView::of(solution, &auth.0)))
    }

    /// The procurement as an OCDS 1.1 release package (Open Contracting Data Standard).
    #[oai(
        path = "/procurements/:id/ocds",
        method = "get",
        operation_id = "procurement_ocds"
    )]
    async fn ocds(
        &self,
        auth: OptionalAuth,
        id: Path<Uuid>,
    ) -> Result<Json<serde_json::Value>, ApiError> {
        let caller = auth.caller();
        let p = self.store.get_procurement(&caller, id.0).await?;
        let organisations = self.store.list_organisations().await?;
        let uri = format!(
            "{}/api/v1/procurements/{}/ocds",
            self.settings.public_url.trim_end_matches('/'),
            p.id
        );
        Ok(Json(ocds::release_package(
            &p,
            &organisations,
            &self.settings,
            &uri,
            chrono::Utc::now(),
        )))
    }
}

impl ProcurementsApi {
    /// Every page of a filtered list, for the export.
    async fn all_pages(
        &self,
        caller: &Caller,
        filter: &ProcurementFilter,
    ) -> Result<Vec<Procurement>, ApiError> {
        let mut rows = Vec::new();
        let mut request = PageRequest {
            limit: Some(samverkan_store::MAX_PAGE_SIZE),
            cursor: None,
        };
        loop {
            let page = self
                .store
                .list_procurements(caller, filter, &request)
                .await?;
            rows.extend(page.items);
            match page.next_cursor {
                Some(next) => request.cursor = Some(next),
                None => return Ok(rows),
            }
        }
    }
}
