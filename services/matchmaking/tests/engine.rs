//! The engine on a small realistic set: paraphrased needs find each other, look-alikes
//! do not, groups form across organisations, and every match says why.

use std::collections::HashMap;

use chrono::NaiveDate;
use samverkan_matchmaking::{Adopted, Engine, NeedInfo, OrgInfo, SolutionInfo, Thesaurus, Weights};
use uuid::Uuid;

fn need(
    n: u128,
    org: &str,
    title: &str,
    text: &str,
    area: &str,
    topics: &[&str],
    by: (i32, u32),
) -> NeedInfo {
    NeedInfo {
        id: Uuid::from_u128(n),
        org: org.into(),
        title: title.into(),
        text: text.into(),
        activity_area: area.into(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        needed_from: None,
        needed_by: NaiveDate::from_ymd_opt(by.0, by.1, 1),
        budget_max_sek: Some(300_000),
        collaboration_level: 1,
        public: true,
    }
}

fn org(id: &str, subregion: &str, population: u64) -> OrgInfo {
    OrgInfo {
        id: id.into(),
        subregion: Some(subregion.into()),
        population: Some(population),
    }
}

fn engine() -> Engine {
    let needs = vec![
        need(
            1,
            "1286",
            "Digitala lås i hemtjänsten",
            "Hemtjänstens personal bär många fysiska nycklar. Vi vill ersätta dem med digitala lås som öppnas med mobilen.",
            "omsorg",
            &["valfardsteknik", "iot"],
            (2027, 6),
        ),
        need(
            2,
            "1266",
            "Nyckelfri hemtjänst",
            "Som undersköterska i hemtjänsten vill jag låsa upp brukarens dörr med ett digitalt lås för att slippa hämta nycklar.",
            "omsorg",
            &["valfardsteknik"],
            (2027, 9),
        ),
        need(
            3,
            "1270",
            "Digital nyckelhantering",
            "Digitala lås hos brukare i hemtjänst, med loggning av besök.",
            "omsorg",
            &["iot"],
            (2027, 3),
        ),
        need(
            4,
            "1285",
            "E-arkiv för långtidsbevarande",
            "Vi behöver ett e-arkiv för att bevara handlingar digitalt enligt arkivlagen.",
            "ledning_stod",
            &["e_arkiv"],
            (2028, 1),
        ),
        need(
            5,
            "1267",
            "Elektroniskt arkiv",
            "Gemensamt e-arkiv för kommunens verksamhetssystem och långtidsbevarande av handlingar.",
            "ledning_stod",
            &["e_arkiv"],
            (2027, 12),
        ),
        need(
            6,
            "1293",
            "Digitala trygghetslarm",
            "Trygghetslarmen i hemtjänsten ska bli digitala med larmmottagning dygnet runt.",
            "omsorg",
            &["valfardsteknik"],
            (2026, 12),
        ),
        need(
            7,
            "1273",
            "Byte till digitala trygghetslarm",
            "Våra analoga trygghetslarm hos äldre måste bytas mot digitala larm.",
            "omsorg",
            &["valfardsteknik"],
            (2027, 2),
        ),
        need(
            8,
            "1282",
            "Drunkningslarm på simhallen",
            "Larm med kameror som upptäcker drunkning i bassängen på simhallen.",
            "kultur_fritid",
            &["iot"],
            (2027, 1),
        ),
        need(
            9,
            "1292",
            "Bygglov som e-tjänst",
            "Invånare ska kunna söka bygglov digitalt och följa ärendet.",
            "samhallsbyggnad",
            &["e_tjanster"],
            (2027, 6),
        ),
    ];
    Engine::new(Weights::default(), needs, solutions(), orgs())
}

fn solutions() -> Vec<SolutionInfo> {
    vec![
        SolutionInfo {
            id: Uuid::from_u128(101),
            org: "1290".into(),
            name: "Digitala lås för hemtjänst".into(),
            text: "Lösning för digitala lås och nyckelfri hemtjänst, i drift i flera kommuner."
                .into(),
            topics: vec!["valfardsteknik".into()],
            maturity: 3,
            adopters: vec!["1293".into(), "1273".into()],
        },
        SolutionInfo {
            id: Uuid::from_u128(102),
            org: "1286".into(),
            name: "Ystads låsmodell".into(),
            text: "Rutin för digitala lås i hemtjänsten.".into(),
            topics: vec!["valfardsteknik".into()],
            maturity: 2,
            adopters: vec![],
        },
    ]
}

fn orgs() -> Vec<OrgInfo> {
    vec![
        org("1286", "Sydöstra Skåne", 31714),
        org("1266", "Skåne Nordost", 15718),
        org("1270", "Sydöstra Skåne", 13812),
        org("1285", "Malmö-Lundaregionen", 34701),
        org("1267", "Malmö-Lundaregionen", 17297),
        org("1293", "Skåne Nordost", 52369),
        org("1273", "Skåne Nordost", 13238),
        org("1282", "Familjen Helsingborg", 47004),
        org("1292", "Familjen Helsingborg", 44268),
        org("1290", "Skåne Nordost", 86738),
    ]
}

fn ids(matches: &[samverkan_matchmaking::Match]) -> Vec<u128> {
    matches.iter().map(|m| m.id.as_u128()).collect()
}

#[test]
fn paraphrased_needs_find_each_other_first() {
    let e = engine();
    let found = e.matches(Uuid::from_u128(1), 5);
    let top2: Vec<u128> = ids(&found).into_iter().take(2).collect();
    assert!(top2.contains(&2) && top2.contains(&3), "{found:#?}");
    let archive = e.matches(Uuid::from_u128(4), 5);
    assert_eq!(ids(&archive).first(), Some(&5));
    let why = &found[0].why;
    assert!(!why.shared_terms.is_empty());
    assert!(
        why.contributions
            .iter()
            .any(|(s, c)| s == "text" && *c > 0.0)
    );
    assert!(found.iter().all(|m| (0.0..=1.0).contains(&m.score)));
}

#[test]
fn look_alikes_do_not_match_strongly() {
    let e = engine();
    let alarm = e.matches(Uuid::from_u128(6), 5);
    assert_eq!(ids(&alarm).first(), Some(&7), "{alarm:#?}");
    let drowning = e.matches(Uuid::from_u128(8), 5);
    assert!(drowning.iter().all(|m| m.score < 0.3), "{drowning:#?}");
}

#[test]
fn groups_form_across_organisations() {
    let e = engine();
    let groups = e.groups();
    let sets: Vec<Vec<u128>> = groups
        .iter()
        .map(|g| g.members.iter().map(|m| m.as_u128()).collect())
        .collect();
    assert!(sets.contains(&vec![1, 2, 3]), "{groups:#?}");
    assert!(sets.contains(&vec![4, 5]), "{groups:#?}");
    assert!(sets.contains(&vec![6, 7]), "{groups:#?}");
    assert!(!sets.iter().any(|s| s.contains(&8) || s.contains(&9)));
    let locks = groups.iter().find(|g| g.members.len() == 3).unwrap();
    assert_eq!(locks.level, 1);
    assert_eq!(locks.combined_budget_sek, 900_000);
    assert_eq!(
        locks.earliest_needed_by,
        NaiveDate::from_ymd_opt(2027, 3, 1)
    );
    assert_eq!(
        locks.suggested_lead, "1286",
        "Ystad runs a related solution"
    );
    assert!(!locks.label.is_empty());
}

/// A group formed before one of its needs left is shown without it until the groups are
/// formed anew: its summary is that of the members who remain, and a group left with one
/// member is no group.
#[test]
fn a_group_is_shown_without_the_needs_that_left() {
    let e = engine();
    let groups = e.groups();
    let locks = groups.iter().find(|g| g.members.len() == 3).unwrap();
    let ystad = Uuid::from_u128(1);
    assert_eq!(
        locks.orgs[locks.members.iter().position(|&m| m == ystad).unwrap()],
        "1286"
    );
    let same = e.group_without(locks, |_| false).expect("nobody left");
    assert_eq!(*same, *locks);
    let without = e
        .group_without(locks, |id| id == ystad)
        .expect("two remain");
    let ids: Vec<u128> = without.members.iter().map(|m| m.as_u128()).collect();
    assert_eq!(ids, vec![2, 3]);
    assert!(!without.orgs.contains(&"1286".to_string()));
    assert_eq!(without.combined_budget_sek, 600_000);
    assert!(
        without.orgs.contains(&without.suggested_lead),
        "the lead is a member that remains: {without:#?}"
    );
    assert_eq!(
        without.label, locks.label,
        "the reasons are those as formed"
    );
    let two_left = |id: Uuid| id == ystad || id == Uuid::from_u128(2);
    assert!(e.group_without(locks, two_left).is_none());
}

#[test]
fn solutions_are_suggested_without_the_owners_own() {
    let e = engine();
    let for_ystad = e.solution_matches(Uuid::from_u128(1), 3, false);
    assert_eq!(ids(&for_ystad), vec![101]);
    let with_own = e.solution_matches(Uuid::from_u128(1), 3, true);
    assert!(ids(&with_own).contains(&102));
    // A building-permit e-service is no confident match for a digital-lock solution.
    let bygglov = e.solution_matches(Uuid::from_u128(9), 3, false);
    assert!(bygglov.iter().all(|m| m.score < 0.3), "{bygglov:#?}");
}

/// The test engine with organisation `org` also running solution `k` of [`solutions`].
fn with_adopter(k: usize, org: &str) -> Engine {
    let mut adopted = solutions();
    adopted[k].adopters.push(org.into());
    Engine::new(
        Weights::default(),
        engine().needs().to_vec(),
        adopted,
        orgs(),
    )
}

/// Organisations that already run the same solution are readier partners (one platform,
/// one supplier): their needs' pair gains the shared-solutions contribution, the rest
/// of its score unchanged, and the explanation says so.
#[test]
fn organisations_running_the_same_solution_match_closer() {
    let need_3_for_1 = |e: &Engine| {
        e.matches(Uuid::from_u128(1), 10)
            .into_iter()
            .find(|m| m.id == Uuid::from_u128(3))
            .expect("need 3 matches need 1")
    };
    let shared = |m: &samverkan_matchmaking::Match| {
        let signal = m
            .why
            .contributions
            .iter()
            .find(|(s, _)| s == "shared_solutions");
        signal.expect("a shared_solutions contribution").1
    };
    let before = need_3_for_1(&engine());
    assert_eq!(shared(&before), 0.0);
    assert!(before.why.shared_solutions.is_empty());
    // Tomelilla (need 3's organisation) starts running Ystad's (need 1's) lock model.
    let after = need_3_for_1(&with_adopter(1, "1270"));
    assert_eq!(after.why.shared_solutions, vec!["Ystads låsmodell"]);
    let support = (after.why.contributions[0].1 / Weights::default().text).min(1.0);
    let expected = support * Weights::default().shared_solutions * 0.5;
    assert!((shared(&after) - expected).abs() < 1e-6, "{after:#?}");
    assert!((after.score - before.score - shared(&after)).abs() < 1e-6);
    // The digital-locks group (needs 1, 2 and 3) names it among its reasons too.
    let e = with_adopter(1, "1270");
    let groups = e.groups();
    let locks = groups.iter().find(|g| g.members.len() == 3).unwrap();
    assert_eq!(locks.why.shared_solutions, vec!["Ystads låsmodell"]);
}

/// A solution the need's organisation already runs is no new idea to it either: it is
/// left out like the organisation's own, unless asked for.
#[test]
fn solutions_the_owner_already_runs_are_left_out_unless_asked() {
    let lock_need = Uuid::from_u128(3);
    assert!(ids(&engine().solution_matches(lock_need, 3, false)).contains(&101));
    let e = with_adopter(0, "1270");
    assert!(!ids(&e.solution_matches(lock_need, 3, false)).contains(&101));
    assert!(ids(&e.solution_matches(lock_need, 3, true)).contains(&101));
}

/// The need→solution weights are the operator's, like the need↔need ones: each signal's
/// contribution is its configured weight times the signal, and the score their sum.
#[test]
fn solution_scores_follow_the_configured_weights() {
    let defaults = Weights::default();
    let weights = Weights {
        solution_text: 0.10,
        solution_topics: 0.10,
        solution_maturity: 0.50,
        solution_adopters: 0.20,
        solution_adopters_in_subregion: 0.10,
        ..defaults
    };
    assert_eq!(weights.validate(), Ok(()));
    let by_default = engine().solution_matches(Uuid::from_u128(2), 3, false);
    let e = Engine::new(weights, engine().needs().to_vec(), solutions(), orgs());
    let reweighted = e.solution_matches(Uuid::from_u128(2), 3, false);
    assert_eq!(ids(&by_default), vec![101, 102]);
    assert_eq!(ids(&reweighted), ids(&by_default));
    let pairs = [
        (defaults.solution_text, weights.solution_text),
        (defaults.solution_topics, weights.solution_topics),
        (defaults.solution_maturity, weights.solution_maturity),
        (defaults.solution_adopters, weights.solution_adopters),
        (
            defaults.solution_adopters_in_subregion,
            weights.solution_adopters_in_subregion,
        ),
    ];
    for (before, after) in by_default.iter().zip(&reweighted) {
        let signals = before
            .why
            .contributions
            .iter()
            .zip(&after.why.contributions);
        for (((name, was), (_, is)), (old, new)) in signals.zip(pairs) {
            let expected = was / old * new;
            assert!((is - expected).abs() < 1e-5, "{name}: {is} != {expected}");
        }
        let sum: f32 = after.why.contributions.iter().map(|c| c.1).sum();
        assert!((after.score - sum.min(1.0)).abs() < 1e-6);
    }
    // Solution 101 is mature (3) and run by two of need 2's sub-region: with maturity
    // and adopters weighing most, it scores far above its default.
    assert!(
        reweighted[0].score > by_default[0].score + 0.3,
        "{reweighted:#?}"
    );
}

/// The engine after a write that changed no text, built by [`Engine::updated`] and anew.
fn updated_and_anew(needs: Vec<NeedInfo>, solutions: Vec<SolutionInfo>) -> [Engine; 3] {
    let before = engine();
    let thesaurus = Thesaurus::default();
    let updated = Engine::updated(
        &before,
        Weights::default(),
        &thesaurus,
        needs.clone(),
        solutions.clone(),
        orgs(),
    );
    [
        before,
        updated,
        Engine::new(Weights::default(), needs, solutions, orgs()),
    ]
}

/// A write that changes no text (dates, level, topics, area, budget; a solution's
/// maturity and adopters) reuses the analysis of the texts, and the engine matches and
/// groups as one built anew, with the change in effect.
#[test]
fn a_write_that_changes_no_text_reuses_the_analysis_of_the_texts() {
    let mut needs = engine().needs().to_vec();
    needs[1].needed_by = NaiveDate::from_ymd_opt(2031, 1, 1);
    needs[1].collaboration_level = 0;
    needs[1].topics = vec!["e_arkiv".into()];
    needs[2].activity_area = "ledning_stod".into();
    needs[2].budget_max_sek = Some(5_000_000);
    let mut solutions = solutions();
    solutions[0].maturity = 0;
    solutions[0].adopters.clear();
    let [before, updated, anew] = updated_and_anew(needs, solutions);
    assert!(updated.shares_texts_with(&before));
    assert!(!anew.shares_texts_with(&before));
    for need in anew.needs() {
        assert_eq!(updated.matches(need.id, 10), anew.matches(need.id, 10));
        assert_eq!(
            updated.solution_matches(need.id, 5, true),
            anew.solution_matches(need.id, 5, true)
        );
    }
    assert_eq!(updated.groups(), anew.groups());
    let key_need = Uuid::from_u128(2);
    assert_ne!(updated.matches(key_need, 10), before.matches(key_need, 10));
    assert_ne!(
        updated.solution_matches(key_need, 5, true),
        before.solution_matches(key_need, 5, true)
    );
}

/// A write that changes a text, adds or removes a need, is analysed anew.
#[test]
fn a_write_that_changes_a_text_is_analysed_anew() {
    let mut needs = engine().needs().to_vec();
    needs[8].text = "Digitala lås hos brukare i hemtjänsten i stället för nycklar.".into();
    let [before, updated, anew] = updated_and_anew(needs.clone(), solutions());
    assert!(!updated.shares_texts_with(&before));
    let changed = Uuid::from_u128(9);
    assert_eq!(updated.matches(changed, 10), anew.matches(changed, 10));
    assert!(
        ids(&updated.matches(changed, 3)).contains(&1),
        "it now matches the locks"
    );

    let mut renamed = solutions();
    renamed[1].name = "Ystads nyckelfria hemtjänst".into();
    let [before, updated, _] = updated_and_anew(engine().needs().to_vec(), renamed);
    assert!(!updated.shares_texts_with(&before));

    needs.pop();
    let [before, updated, _] = updated_and_anew(needs, solutions());
    assert!(!updated.shares_texts_with(&before));
}

#[test]
fn the_same_needs_give_the_same_matches_and_groups() {
    let (a, b) = (engine(), engine());
    assert_eq!(a.groups(), b.groups());
    for n in a.needs() {
        assert_eq!(a.matches(n.id, 10), b.matches(n.id, 10));
    }
}

#[test]
fn groups_hold_one_need_per_organisation() {
    let mut needs: Vec<NeedInfo> = engine().needs().to_vec();
    // A second lock need from Ystad, as close to the others as the first.
    needs.push(need(
        10,
        "1286",
        "Digitala lås i hemtjänsten",
        "Nycklarna i hemtjänsten ska ersättas med digitala lås som öppnas med mobilen.",
        "omsorg",
        &["valfardsteknik", "iot"],
        (2027, 6),
    ));
    let e = Engine::new(Weights::default(), needs, vec![], vec![]);
    for g in e.groups() {
        let mut orgs = g.orgs.clone();
        orgs.sort();
        orgs.dedup();
        assert_eq!(orgs.len(), g.orgs.len(), "{g:#?}");
    }
}

#[test]
fn matches_equal_scoring_every_other_need() {
    let e = engine();
    let ranked = |m: Vec<samverkan_matchmaking::Match>| -> Vec<(f32, Uuid)> {
        m.into_iter().map(|m| (m.score, m.id)).collect()
    };
    for n in e.needs() {
        assert_eq!(
            ranked(e.matches(n.id, 3)),
            ranked(e.matches_by_scoring_all(n.id, 3))
        );
    }
}

/// Two needs that say the same in other words ("Robot för försörjningsstöd", "Mindre
/// manuell handläggning av bistånd") share no word: by words and n-grams they are no
/// match. Given embeddings that put them close (as a sentence-embedding model does), they
/// are, and the explanation says how close in meaning.
#[test]
fn needs_in_other_words_match_by_their_meaning() {
    let needs = vec![
        need(
            1,
            "1280",
            "Robot för försörjningsstöd",
            "Automatisera kontrollerna i ansökningarna med en mjukvarurobot.",
            "socialtjanst",
            &["automation"],
            (2027, 6),
        ),
        need(
            2,
            "1281",
            "Mindre manuell handläggning av bistånd",
            "Handläggarna lägger timmar på att jämföra uppgifter från olika källor varje månad.",
            "socialtjanst",
            &["automation"],
            (2027, 9),
        ),
        need(
            3,
            "1282",
            "Bygglov som e-tjänst",
            "Invånare ska kunna söka bygglov digitalt och följa ärendet.",
            "samhallsbyggnad",
            &["e_tjanster"],
            (2027, 6),
        ),
    ];
    let orgs = vec![
        org("1280", "Malmö-Lundaregionen", 357_377),
        org("1281", "Malmö-Lundaregionen", 128_000),
        org("1282", "Familjen Helsingborg", 44_268),
    ];
    let lexical = Engine::new(Weights::default(), needs, vec![], orgs);
    assert!(lexical.matches(Uuid::from_u128(1), 5).is_empty());
    // Unit vectors: needs 1 and 2 at cosine 0.96, the building permit far from both.
    let embeddings = [
        (1, vec![1.0, 0.0, 0.0]),
        (2, vec![0.96, 0.28, 0.0]),
        (3, vec![0.0, 0.0, 1.0]),
    ]
    .into_iter()
    .map(|(n, v)| (Uuid::from_u128(n), v.into()))
    .collect();
    let e = lexical.with_embeddings(&embeddings);
    let found = e.matches(Uuid::from_u128(1), 5);
    assert_eq!(ids(&found), vec![2], "{found:#?}");
    assert_eq!(found[0].why.meaning, Some(1.0));
    assert!(found[0].why.shared_terms.is_empty());
    let groups = e.groups();
    assert_eq!(groups.len(), 1, "{groups:#?}");
    assert_eq!(groups[0].why.meaning, Some(1.0));
}

/// After a write that changes no text, the embeddings given again are not prepared
/// again; a need embedded anew since counts with its new embedding, as in an engine
/// built anew.
#[test]
fn a_rebuild_prepares_again_only_the_embeddings_that_changed() {
    let unit = |v: [f32; 2]| -> std::sync::Arc<[f32]> { v.to_vec().into() };
    // Need 1 unrelated in meaning to every other need.
    let mut embeddings: HashMap<Uuid, std::sync::Arc<[f32]>> = (1..=9)
        .map(|n| {
            (
                Uuid::from_u128(n),
                unit(if n == 1 { [1.0, 0.0] } else { [0.0, 1.0] }),
            )
        })
        .collect();
    let before = engine().with_embeddings(&embeddings);
    let rebuilt = |embeddings: &HashMap<Uuid, std::sync::Arc<[f32]>>| {
        let needs = before.needs().to_vec();
        let thesaurus = Thesaurus::default();
        Engine::updated(
            &before,
            Weights::default(),
            &thesaurus,
            needs,
            solutions(),
            orgs(),
        )
        .with_embeddings_since(Some(&before), embeddings)
    };
    assert!(rebuilt(&embeddings).shares_meaning_with(&before));

    // Need 3's text was embedded anew: it now means what need 1 means.
    embeddings.insert(Uuid::from_u128(3), unit([1.0, 0.0]));
    let after = rebuilt(&embeddings);
    let anew = engine().with_embeddings(&embeddings);
    assert!(after.shares_texts_with(&before) && !after.shares_meaning_with(&before));
    for need in anew.needs() {
        assert_eq!(after.matches(need.id, 10), anew.matches(need.id, 10));
    }
    let meaning_of_3 = |e: &Engine| {
        let found = e.matches(Uuid::from_u128(1), 10);
        found
            .iter()
            .find(|m| m.id == Uuid::from_u128(3))
            .and_then(|m| m.why.meaning)
    };
    assert_eq!(meaning_of_3(&before), Some(0.0));
    assert_eq!(meaning_of_3(&after), Some(1.0));
    assert_eq!(after.groups(), anew.groups());
}

/// A rebuild from the same registry takes the groups already formed, and so does one
/// where needs changed only their budget or visibility, with the combined budgets summed
/// anew; one where a need's date changed re-forms them from those: each time the groups
/// an engine built anew forms. New weights form their own.
#[test]
fn a_rebuild_takes_or_re_forms_the_groups_formed_before() {
    let before = engine();
    let rebuilt = |needs: Vec<NeedInfo>, weights: Weights| {
        Engine::updated(
            &before,
            weights,
            &Thesaurus::default(),
            needs,
            solutions(),
            orgs(),
        )
    };
    let same = rebuilt(before.needs().to_vec(), Weights::default());
    assert_eq!(
        same.adopt_groups_of(&before),
        None,
        "none formed yet to take"
    );
    let formed = before.cached_groups().to_vec();
    assert_eq!(same.adopt_groups_of(&before), Some(Adopted::Unchanged));
    assert_eq!(same.cached_groups(), formed.as_slice());

    // Each change is taken as `how`, and gives the groups of an engine built anew, not
    // those formed before.
    let taken = |change: &dyn Fn(&mut Vec<NeedInfo>), how: Adopted| {
        let mut needs = before.needs().to_vec();
        change(&mut needs);
        let after = rebuilt(needs.clone(), Weights::default());
        assert_eq!(after.adopt_groups_of(&before), Some(how));
        let anew = Engine::new(Weights::default(), needs, solutions(), orgs());
        assert_eq!(after.cached_groups(), anew.groups().as_slice());
        assert_ne!(after.cached_groups(), formed.as_slice(), "{how:?}");
    };
    let budgets = |needs: &mut Vec<NeedInfo>| {
        needs[1].budget_max_sek = Some(9_000_000);
        needs[2].public = false;
    };
    taken(&budgets, Adopted::BudgetsOrVisibility(2));
    let later =
        |needs: &mut Vec<NeedInfo>| needs[1].needed_by = NaiveDate::from_ymd_opt(2031, 1, 1);
    taken(&later, Adopted::Regrouped(1));

    let weights = Weights {
        group_threshold: 0.9,
        ..Weights::default()
    };
    let reweighted = rebuilt(before.needs().to_vec(), weights);
    assert_eq!(reweighted.adopt_groups_of(&before), None);
}

/// A need without an embedding (not made yet) is compared by its words alone, and says
/// so: no meaning in its explanation.
#[test]
fn a_need_without_an_embedding_is_compared_by_its_words() {
    let e = engine();
    let some: [(Uuid, std::sync::Arc<[f32]>); 2] = [
        (Uuid::from_u128(1), vec![1.0, 0.0].into()),
        (Uuid::from_u128(2), vec![0.0, 1.0].into()),
    ];
    let lexical: Vec<_> = e.matches(Uuid::from_u128(1), 5);
    let e = e.with_embeddings(&some.into_iter().collect());
    let found = e.matches(Uuid::from_u128(1), 5);
    let to = |n: u128| found.iter().find(|m| m.id == Uuid::from_u128(n)).unwrap();
    assert_eq!(
        to(2).why.meaning,
        Some(0.0),
        "orthogonal: unrelated in meaning"
    );
    assert_eq!(to(3).why.meaning, None);
    let before = lexical.iter().find(|m| m.id == Uuid::from_u128(3)).unwrap();
    assert_eq!(to(3).score, before.score);
    let was = lexical.iter().find(|m| m.id == Uuid::from_u128(2)).unwrap();
    assert!(to(2).score < was.score, "{} < {}", to(2).score, was.score);
}

/// A coordinator defends a match with the words the needs share: a letter split off a
/// compound ("e" of "e-arkiv") says nothing, so it is left out of the shared words and
/// of the groups' labels, though it still counts in the similarity.
#[test]
fn shared_words_leave_out_single_letters() {
    let e = engine();
    let archive = e.matches(Uuid::from_u128(4), 5);
    let why = &archive.first().expect("the other e-archive need").why;
    assert!(
        why.shared_terms.iter().any(|w| w.contains("arkiv")),
        "{:?}",
        why.shared_terms
    );
    assert!(
        why.shared_terms.iter().all(|w| w.chars().count() > 1),
        "{:?}",
        why.shared_terms
    );
    for group in e.groups() {
        assert!(
            group.label.iter().all(|w| w.chars().count() > 1),
            "{group:?}"
        );
    }
}

/// A group's label is its theme: after the words every pair shares, a word one pair
/// shares that tells something ("telefoni") comes before one that many needs use
/// ("kommuner"), whichever pair was met first.
#[test]
fn a_groups_label_prefers_telling_words_to_common_ones() {
    let alarm = |n, org, title: &str, text: &str| {
        need(
            n,
            org,
            title,
            text,
            "omsorg",
            &["valfardsteknik"],
            (2027, 6),
        )
    };
    let mut needs = vec![
        alarm(
            1,
            "1286",
            "Trygghetslarm",
            "Digitala trygghetslarm med larmcentral för kommuner där fast telefoni saknas.",
        ),
        alarm(
            2,
            "1266",
            "Digitala trygghetslarm",
            "Digitala trygghetslarm och larmcentral för kommuner.",
        ),
        alarm(
            3,
            "1270",
            "Trygghetslarm utan fast telefoni",
            "Digitala trygghetslarm med larmcentral när fast telefoni försvinner.",
        ),
    ];
    // Other needs that say "kommuner", so that the word is common.
    let others = [
        ("Bygglov", "E-tjänst för bygglov i kommuner."),
        ("Skolplattform", "Lärplattform för skolor i kommuner."),
        ("Fakturor", "Robotar för leverantörsfakturor i kommuner."),
        ("Vattenmätare", "Fjärravlästa vattenmätare i kommuner."),
        ("Bredband", "Stöd till fiberföreningar i kommuner."),
        (
            "Informationssäkerhet",
            "Mallar för informationssäkerhet i kommuner.",
        ),
    ];
    for (k, (title, text)) in others.into_iter().enumerate() {
        let org = ["1285", "1267", "1293", "1273", "1282", "1292"][k];
        needs.push(need(
            10 + k as u128,
            org,
            title,
            text,
            "ledning_stod",
            &[],
            (2029, 1),
        ));
    }
    let e = Engine::new(Weights::default(), needs, vec![], orgs());
    let groups = e.groups();
    let alarms = groups
        .iter()
        .find(|g| g.members.contains(&Uuid::from_u128(1)))
        .expect("the three alarm needs form a group");
    assert_eq!(alarms.members.len(), 3, "{alarms:?}");
    let at = |w: &str| alarms.why.shared_terms.iter().position(|t| t == w);
    let (telling, common) = (at("telefoni"), at("kommuner"));
    assert!(telling.is_some(), "{:?}", alarms.why.shared_terms);
    assert!(
        common.is_none_or(|c| telling < Some(c)),
        "{:?}",
        alarms.why.shared_terms
    );
}
