"""The model puts hard items where the labelling rules say."""

from __future__ import annotations

import pytest

from classifiers import persist
from horizon.config import Priorities
from horizon.errors import ModelError
from horizon.items import Item


def item(title: str, summary: str) -> Item:
    return Item(id="test:1", source="test", type="news", title=title, summary=summary)


def areas_of(classifier, title, summary):
    return set(classifier.classify([item(title, summary)])[0].areas)


def test_af_written_only_as_acronym_is_cardiovascular(classifier):
    verdict = classifier.classify([item("Handheld ECG pilot finds undiagnosed AF in GP surgeries",
                                        "Practices used single-lead devices to detect AF; patients with AF "
                                        "were offered a DOAC.")])[0]
    assert "cardiovascular" in verdict.areas
    assert "AF" in verdict.why["cardiovascular"] or "DOAC" in verdict.why["cardiovascular"]


def test_metastatic_lung_cancer_treatment_is_not_early_diagnosis(classifier):
    found = areas_of(classifier, "Pembrolizumab plus chemotherapy for previously untreated metastatic non-small "
                     "cell lung cancer", "Phase 3 trial comparing first-line immunotherapy with chemotherapy "
                     "alone in people with advanced lung cancer; primary outcome overall survival.")
    assert "cancer-early-diagnosis" not in found


def test_asthma_app_is_respiratory_and_digital(classifier):
    found = areas_of(classifier, "Smartphone app helps children manage their asthma",
                     "Families used a mobile app to record symptoms and inhaler use and get reminders.")
    assert {"respiratory", "digital-self-management"} <= found


def test_off_topic_item_gets_no_area(classifier):
    assert areas_of(classifier, "Canine parvovirus vaccine field trial in shelter dogs",
                    "Veterinary study of vaccine response in puppies across three animal shelters.") == set()


def test_scores_are_probabilities_and_why_only_for_assigned(classifier, priorities):
    verdict = classifier.classify([item("Type 2 diabetes prevention programme", "Structured education.")])[0]
    assert set(verdict.scores) == set(priorities.ids)
    assert all(0 <= s <= 1 for s in verdict.scores.values())
    assert set(verdict.why) == set(verdict.areas) == {a for a, s in verdict.scores.items() if s > 0.5}


def test_model_for_other_priorities_is_refused(model_dir, priorities):
    first = priorities.areas[0].model_copy(update={"keywords": ("heart",)})
    other = Priorities(name="other", areas=(first, *priorities.areas[1:]))
    with pytest.raises(ModelError, match="trained for other priority areas"):
        persist.load(model_dir, other)


def test_saved_model_gives_the_same_scores(classifier, model_dir, priorities):
    from classifiers.training import training_set

    texts = training_set(priorities).texts[:20]
    again = persist.load(model_dir, priorities)[0]
    assert (again.predict_proba(texts) == classifier.estimator.predict_proba(texts)).all()


def test_new_area_without_labels_works_from_its_keywords(priorities):
    from classifiers.training import new_model, training_set
    from horizon.config import Area

    oral = Area(id="oral-health", name="Oral health", description="Dental care and oral hygiene.",
                keywords=("dental", "dentist", "tooth decay"))
    custom = Priorities(name="custom", areas=(*priorities.areas, oral))
    data = training_set(custom)
    assert (data.Y[:, -1] == -1).all()  # the bundled labels say nothing about the new area
    model = new_model(custom).fit(data.texts, data.Y)
    assert not model.coef_[-1].any() and model.coef_[:-1].any(axis=1).all()  # keywords only for the new area
    found = model.predict(["Community dentist scheme cuts tooth decay in children", "Statins for cholesterol"])
    assert found[:, -1].tolist() == [1, 0]
