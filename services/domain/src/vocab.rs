//! Controlled vocabularies: the closed sets of values that make records comparable across
//! municipalities (and so matchable). Wire names are stable snake_case codes.

/// Defines a vocabulary enum with stable wire names, `ALL`, `as_str` and `parse`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(poem_openapi::Enum))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] #[cfg_attr(feature = "openapi", oai(rename = $code))] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a stable code; the error lists the accepted codes.
            pub fn parse(raw: &str) -> Result<Self, $crate::error::ValidationErrors> {
                match raw {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::error::ValidationErrors::single(
                        "",
                        format!("must be one of: {}", [$($code),+].join(", ")),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// The municipal activity area (verksamhetsområde) a need belongs to.
    ActivityArea {
        /// Elderly care, home care and disability support (vård och omsorg).
        Omsorg = "omsorg",
        /// Individual and family social services.
        Socialtjanst = "socialtjanst",
        /// Pre-school, school and adult education.
        Skola = "skola",
        /// Planning, building permits, mapping (samhällsbyggnad).
        Samhallsbyggnad = "samhallsbyggnad",
        /// Culture, libraries, leisure and sport.
        KulturFritid = "kultur_fritid",
        /// Environment and public health.
        Miljo = "miljo",
        /// Technical services: streets, water, waste, properties.
        Teknik = "teknik",
        /// Management and support functions: HR, finance, IT, archives.
        LedningStod = "ledning_stod",
        /// Business support and labour market.
        Naringsliv = "naringsliv",
        /// Contact centre and citizen services.
        Medborgarservice = "medborgarservice",
    }
}

vocabulary! {
    /// The digitalisation topic of a need or solution: the main axis for matching.
    Topic {
        /// Digital archiving and long-term preservation (e-arkiv).
        EArkiv = "e_arkiv",
        /// Sensors and connected things (Internet of Things).
        Iot = "iot",
        /// Robotic and other process automation (RPA).
        Automation = "automation",
        /// Geographic information systems and base maps.
        Gis = "gis",
        /// Platforms for citizen e-services (e-tjänsteplattform).
        ETjanster = "e_tjanster",
        /// Information security and data protection.
        Informationssakerhet = "informationssakerhet",
        /// Welfare technology in care (välfärdsteknik).
        Valfardsteknik = "valfardsteknik",
        /// School platforms and learning tools.
        Skolplattform = "skolplattform",
        /// Artificial intelligence and analytics.
        Ai = "ai",
        /// Open data and data sharing.
        OppnaData = "oppna_data",
        /// Broadband and connectivity.
        Bredband = "bredband",
        /// Case and document management (ärendehantering).
        Arendehantering = "arendehantering",
        /// Integration platforms and APIs.
        Integration = "integration",
        /// E-identification and access management.
        Identitet = "identitet",
        /// Finance, HR and payroll systems.
        EkonomiHr = "ekonomi_hr",
        /// E-procurement and purchasing (e-handel).
        EHandel = "e_handel",
        /// Digital skills and change management.
        DigitalKompetens = "digital_kompetens",
        /// Infrastructure, hosting and cloud.
        Infrastruktur = "infrastruktur",
    }
}

vocabulary! {
    /// How far a municipality is willing to go together, in rising order (seed 002, 1.3.3).
    CollaborationLevel {
        /// Loose collaboration on shared goals.
        Samverkan = "samverkan",
        /// Formalised collaboration on shared goals.
        Samordning = "samordning",
        /// Formalised, and the parties put in money and share development costs.
        Samutveckling = "samutveckling",
    }
}

vocabulary! {
    /// Where a need is in its life.
    NeedStatus {
        /// Being prepared; not yet offered for collaboration.
        Draft = "draft",
        /// Looking for partners or solutions.
        Open = "open",
        /// Being worked on together with others.
        InCollaboration = "in_collaboration",
        /// Met; kept for the record.
        Solved = "solved",
        /// No longer pursued.
        Withdrawn = "withdrawn",
    }
}

vocabulary! {
    /// Who may read a record.
    Visibility {
        /// Public record, readable by anyone (offentlighetsprincipen).
        Public = "public",
        /// Only the owning organisation's staff and the regional coordinator.
        Internal = "internal",
    }
}

vocabulary! {
    /// The state of a municipality's digital strategy (the Sweco survey's categories).
    StrategyStatus {
        /// Adopted and valid for the whole municipality.
        AdoptedMunicipalityWide = "adopted_municipality_wide",
        /// Only some departments have one.
        PerDepartment = "per_department",
        /// Being written.
        InProgress = "in_progress",
        /// Only a broadband strategy exists.
        BroadbandOnly = "broadband_only",
        /// No strategy.
        None = "none",
    }
}

vocabulary! {
    /// What kind of thing a reusable solution is.
    SolutionKind {
        /// Software, often open source.
        Software = "software",
        /// A citizen-facing e-service.
        EService = "e_service",
        /// A process or software robot (RPA).
        ProcessAutomation = "process_automation",
        /// A framework agreement (ramavtal) others can call off.
        FrameworkAgreement = "framework_agreement",
        /// A template, policy or guideline.
        TemplatePolicy = "template_policy",
        /// Anything else.
        Other = "other",
    }
}

vocabulary! {
    /// How proven a solution is, in rising order.
    Maturity {
        /// An idea or concept.
        Idea = "idea",
        /// Piloted somewhere.
        Pilot = "pilot",
        /// In production at its owner.
        Production = "production",
        /// In production at several organisations.
        InUseBySeveral = "in_use_by_several",
    }
}

vocabulary! {
    /// How far an organisation has come in adopting a solution.
    AdoptionState {
        /// Looking at it.
        Evaluating = "evaluating",
        /// Trying it out.
        Piloting = "piloting",
        /// Using it for real.
        Production = "production",
        /// Used to, no longer.
        Stopped = "stopped",
    }
}

vocabulary! {
    /// Whether an organisation is a municipality or a regional body.
    OrgKind {
        /// One of Skåne's 33 municipalities (kommun).
        Municipality = "municipality",
        /// A regional body such as Region Skåne or Kommunförbundet Skåne.
        Regional = "regional",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()).unwrap(), *t);
        }
        let err = CollaborationLevel::parse("samarbete").unwrap_err();
        assert!(err.0[0].message.contains("samutveckling"));
    }

    #[test]
    fn collaboration_levels_are_ordered() {
        assert!(CollaborationLevel::Samverkan < CollaborationLevel::Samordning);
        assert!(CollaborationLevel::Samordning < CollaborationLevel::Samutveckling);
    }
}

vocabulary! {
    /// The stage a joint procurement is in; see `ProcurementStage::allowed_next`.
    ProcurementStage {
        /// Behovsanalys: establishing what the participants need.
        NeedAnalysis = "need_analysis",
        /// Marknadsdialog: talking to suppliers before specifying.
        MarketDialogue = "market_dialogue",
        /// Writing the specification (förfrågningsunderlag).
        Specification = "specification",
        /// The tender is advertised and open for bids.
        TenderPublished = "tender_published",
        /// Bids are being evaluated (utvärdering).
        Evaluation = "evaluation",
        /// The award decision (tilldelningsbeslut) is made; standstill runs.
        Award = "award",
        /// The contract or framework agreement is signed.
        ContractSigned = "contract_signed",
        /// Contract follow-up (avtalsuppföljning) during its term.
        FollowUp = "follow_up",
        /// The procurement was cancelled (avbruten).
        Cancelled = "cancelled",
    }
}

vocabulary! {
    /// The procedure under the Public Procurement Act (LOU, 2016:1145).
    ProcurementProcedure {
        /// Öppet förfarande: any supplier may bid.
        Open = "open",
        /// Selektivt förfarande: invited after qualification.
        Restricted = "restricted",
        /// Förhandlat förfarande med föregående annonsering.
        NegotiatedWithNotice = "negotiated_with_notice",
        /// Förhandlat förfarande utan föregående annonsering.
        NegotiatedWithoutNotice = "negotiated_without_notice",
        /// Konkurrenspräglad dialog.
        CompetitiveDialogue = "competitive_dialogue",
        /// Innovationspartnerskap.
        InnovationPartnership = "innovation_partnership",
        /// Förenklat förfarande (below the EU thresholds).
        Simplified = "simplified",
        /// Urvalsförfarande (below the EU thresholds).
        Selection = "selection",
        /// Direktupphandling (below the direct-award limit).
        DirectAward = "direct_award",
        /// Call-off from an existing framework agreement (avrop).
        FrameworkCallOff = "framework_call_off",
    }
}

vocabulary! {
    /// What is bought, which decides the EU threshold that applies.
    ProcurementCategory {
        /// Varor: goods.
        Goods = "goods",
        /// Tjänster: services.
        Services = "services",
        /// Byggentreprenader: works.
        Works = "works",
        /// Sociala tjänster och andra särskilda tjänster (LOU bilaga 2).
        SocialServices = "social_services",
    }
}

vocabulary! {
    /// Where an organisation stands in a joint procurement.
    ParticipationState {
        /// The lead has invited the organisation.
        Invited = "invited",
        /// The organisation wants to take part.
        Interested = "interested",
        /// The organisation has signed a mandate (fullmakt) for the lead to procure for it.
        MandateSigned = "mandate_signed",
        /// The organisation has left the procurement.
        Withdrawn = "withdrawn",
    }
}

vocabulary! {
    /// The kind of a procurement deadline.
    DeadlineKind {
        /// Last day for participants to sign their mandate (fullmakt).
        Mandate = "mandate",
        /// Last day for suppliers' questions.
        Questions = "questions",
        /// Tender closing (sista anbudsdag).
        TenderClosing = "tender_closing",
        /// End of the standstill period (avtalsspärr).
        Standstill = "standstill",
        /// Last day to exercise a contract option.
        OptionNotice = "option_notice",
        /// Any other dated commitment.
        Other = "other",
    }
}

vocabulary! {
    /// Which part of the procurement rules a value falls under.
    ThresholdRule {
        /// At or above the EU threshold: LOU's EU-wide procedures and advertising apply.
        AboveEuThreshold = "above_eu_threshold",
        /// Below the EU threshold but not below the direct-award limit: LOU chapter 19
        /// (simplified or selection procedure).
        BelowEuThreshold = "below_eu_threshold",
        /// Below the direct-award limit: direct award is allowed.
        DirectAwardAllowed = "direct_award_allowed",
    }
}
