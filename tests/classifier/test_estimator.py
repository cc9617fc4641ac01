"""The estimator follows scikit-learn's conventions."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    parametrize_with_checks,
)

from classifiers.blend import best_threshold
from classifiers.model import AreaModel
from classifiers.shrunk import ShrunkLogisticRegression

# The numeric heart of the model, the blend's penalised logistic regression, gets scikit-learn's
# whole battery (about 60 checks: fitting, dtypes, NaN, sample weights, pickling, ...). The text
# model gets what scikit-learn runs for string input (its numeric checks do not apply), and the
# API checks by name below.
# Left out, not skipped: checks of input types the blend is never given (pandas objects, the
# array API), which scikit-learn would skip here because neither is installed.
NOT_OUR_INPUT = ("pandas", "data_not_an_array", "array_api")
_ALL = parametrize_with_checks([ShrunkLogisticRegression(), ShrunkLogisticRegression(prior_intercept=1.0,
                                                                                      strength=0.1), AreaModel()])
_CHECKS = [(e, c) for e, c in _ALL.args[1] if not any(w in _ALL.kwargs["ids"](c) for w in NOT_OUR_INPUT)]


@pytest.mark.parametrize(_ALL.args[0], _CHECKS, ids=_ALL.kwargs["ids"])
def test_sklearn_checks(estimator, check):
    check(estimator)


def test_the_checked_estimator_is_the_blend_the_model_uses():
    from classifiers.blend import fit_blend

    rng = np.random.default_rng(0)
    prior, learned = rng.random(50), rng.normal(size=50)
    y = (prior + learned + rng.normal(size=50) > 0.8).astype(int)
    checked = ShrunkLogisticRegression(prior_coef=[6.0, 1.0], prior_intercept=-3.0, strength=0.3)
    checked.fit(np.column_stack([prior, learned]), y)
    assert np.allclose([*checked.coef_[0], checked.intercept_[0]], fit_blend(prior, learned, y, np.ones(50), 0.3))


@pytest.mark.parametrize("check", [check_no_attributes_set_in_init, check_parameters_default_constructible,
                                   check_get_params_invariance, check_set_params])
def test_api_checks(check):
    check("AreaModel", AreaModel())


TEXTS = ["asthma inhaler review", "COPD spirometry clinic", "asthma FeNO test", "inhaler technique for COPD",
         "asthma biologic", "hip surgery", "knee replacement", "dental caries", "hip fracture", "tooth decay"] * 2
Y = np.array([[1, 0]] * 5 + [[0, 1]] * 5 + [[1, 0]] * 5 + [[0, 1]] * 5)


def test_fit_returns_self_and_keeps_params():
    model = AreaModel(cv=2)
    before = model.get_params()
    assert model.fit(TEXTS, Y) is model
    assert model.get_params() == before
    assert model.predict(["asthma inhaler"]).tolist() == [[1, 0]]
    assert model.predict_proba([]).shape == (0, 2)  # no texts: no rows, not an error
    assert clone(model).get_params() == before


def test_unfitted_model_refuses_to_predict():
    with pytest.raises(NotFittedError):
        AreaModel().predict(["asthma"])


def test_threshold_sits_between_the_best_cut():
    scores = np.array([3.0, 2.0, 1.0, -1.0, -2.0])
    assert best_threshold(scores, np.array([1, 1, 1, 0, 0])) == 0.0
