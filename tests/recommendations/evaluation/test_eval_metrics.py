"""recommendations.evaluation.metrics on hand-built rankings."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.evaluation.metrics import catalog_coverage, recall_ndcg_at_k, top_k


def test_recall_and_ndcg_of_single_targets():
    top = np.array([[5, 3, 7], [1, 2, 4], [9, 8, 6]])

    recall, ndcg = recall_ndcg_at_k(top, [np.array([5]), np.array([4]), np.array([0])])

    assert recall.tolist() == [1.0, 1.0, 0.0]
    assert ndcg[0] == pytest.approx(1.0)
    assert ndcg[1] == pytest.approx(1 / math.log2(4))  # rank 3
    assert ndcg[2] == 0.0


def test_recall_and_ndcg_of_several_targets():
    top = np.array([[5, 3, 7]])

    recall, ndcg = recall_ndcg_at_k(top, [np.array([5, 7, 0])])

    assert recall[0] == pytest.approx(2 / 3)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg[0] == pytest.approx((1 + 1 / math.log2(4)) / ideal)


def test_top_k_excludes_the_history_and_breaks_ties_by_item_index():
    scores = np.array([[0.5, 0.9, 0.5, 0.5, 0.1], [0.0, 0.0, 0.0, 0.0, 0.0]])
    history = sp.csr_matrix(np.array([[0, 1, 0, 0, 0], [1, 1, 1, 1, 0]]))

    top = top_k(scores, 3, history)

    assert top[0].tolist() == [0, 2, 3]
    assert top[1].tolist() == [4, -1, -1]  # padded when fewer items are allowed


def test_catalog_coverage():
    assert catalog_coverage(np.array([[0, 1], [1, -1]]), 10) == pytest.approx(0.2)
