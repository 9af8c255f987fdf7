"""recommendations.evaluation.data: building, leave-last-out, folds, cold items."""

import numpy as np
import pytest

from recommendations.evaluation.data import (
    TEST,
    TRAIN,
    VALID,
    cold_items,
    leave_last_out,
    make_cold_fold,
    make_data,
    make_fold,
    subsample_shoppers,
)


def test_leave_last_out_by_order_per_shopper():
    # rows out of order on purpose; shopper "b" has two events, "c" one, "d" a tie in order
    shoppers = ["a", "a", "b", "a", "c", "b", "a", "d", "d", "d"]
    order = [3, 1, 5, 0, 7, 2, 2, 0, 1, 1]

    codes = leave_last_out(np.unique(shoppers, return_inverse=True)[1], np.array(order, dtype=float))

    # a: order 0, 1 train; 2 valid; 3 test.  b: 2 train, 5 test.  c: only train.  d: 0 train, then the tie by row
    assert codes.tolist() == [TEST, TRAIN, TEST, TRAIN, TRAIN, TRAIN, VALID, TRAIN, VALID, TEST]


def test_make_data_indexes_items_by_catalog_and_splits_without_labels():
    data = make_data(
        shopper_ids=["s1", "s1", "s1", "s2"],
        item_ids=["x", "y", "z", "y"],
        order=[0, 1, 2, 0],
        catalog=["z", "y", "x", "unused"],
        item_categories=["C", "B", "A", ""],
    )

    assert data.item.tolist() == [2, 1, 0, 1]
    assert data.shopper_ids.tolist() == ["s1", "s2"]
    assert data.split.tolist() == [TRAIN, VALID, TEST, TRAIN]
    assert data.n_items == 4 and data.event_type.tolist() == ["purchase"] * 4


def test_make_data_keeps_given_split_labels_and_refuses_bad_input():
    data = make_data(shopper_ids=[1, 1], item_ids=["x", "y"], order=[0, 1], split=["test", "train"])
    assert data.split.tolist() == [TEST, TRAIN]

    with pytest.raises(ValueError, match="1 item ids are not in the catalog"):
        make_data(shopper_ids=[1], item_ids=["q"], order=[0], catalog=["x"])
    with pytest.raises(ValueError, match="unknown split label 'holdout'"):
        make_data(shopper_ids=[1], item_ids=["x"], order=[0], split=["holdout"])
    with pytest.raises(ValueError, match="one row per catalog item"):
        make_data(shopper_ids=[1], item_ids=["x"], order=[0], item_vectors=np.ones((2, 3)))


def _small():
    # shopper 0: items 0..4 in order; shopper 1: items 5, 1, 6, 7
    return make_data(
        shopper_ids=[0] * 5 + [1] * 4,
        item_ids=[0, 1, 2, 3, 4, 5, 1, 6, 7],
        order=[0, 1, 2, 3, 4, 0, 1, 2, 3],
        catalog=list(range(10)),
    )


def test_folds_learn_from_the_right_events():
    data = _small()

    test_fold = make_fold(data, "test")
    valid_fold = make_fold(data, "valid")

    assert data.item[test_fold.train].tolist() == [0, 1, 2, 3, 5, 1, 6]
    assert data.item[test_fold.target].tolist() == [4, 7]
    assert data.item[valid_fold.train].tolist() == [0, 1, 2, 5, 1]
    assert data.item[valid_fold.target].tolist() == [3, 6]


def test_ages_count_positions_back_from_the_target():
    data = _small()

    ages = make_fold(data, "test").age_of_train_events()

    # shopper 0's target sits at position 4: position 3 is age 0 ... position 0 age 3
    assert ages.tolist() == [3, 2, 1, 0, 0, 2, 1, 0, 0]


def test_ages_in_days_for_timestamps():
    day = 86400.0
    data = make_data(
        shopper_ids=[0, 0, 0], item_ids=["a", "b", "c"], order=[0, 2 * day, 5 * day], order_kind="timestamp"
    )

    ages = make_fold(data, "test").age_of_train_events()

    # the target is at day 5; valid (day 2) is training data for the test fold
    assert ages.tolist() == [5.0, 3.0, 0.0]


def test_cold_items_are_seeded_and_a_tenth_of_the_catalog():
    first = cold_items(1000, 0.1, seed=7)

    assert len(first) == 100 and len(np.unique(first)) == 100
    np.testing.assert_array_equal(first, cold_items(1000, 0.1, seed=7))
    assert not np.array_equal(first, cold_items(1000, 0.1, seed=8))


def test_cold_fold_drops_exactly_the_hidden_items_training_events():
    data = _small()
    fold = make_fold(data, "test")
    hidden = np.array([1, 7])

    cold = make_cold_fold(fold, hidden)

    # item 1 is dropped from both histories, nothing else is
    assert data.item[cold.train].tolist() == [0, 2, 3, 5, 6]
    assert (fold.train & ~cold.train).sum() == 2
    # only targets on hidden items remain: shopper 1's test item 7
    assert data.item[cold.target].tolist() == [7]
    # the dropped event still counts as time passing for shopper 0
    assert cold.age_of_train_events()[cold.train].tolist() == [3, 1, 0, 2, 0]


def test_subsample_shoppers_keeps_whole_histories():
    data = _small()

    sample = subsample_shoppers(data, 1, seed=0, keep_catalog=False)

    assert sample.n_shoppers == 1
    kept = sample.shopper_ids[0]
    assert len(sample.item) == (5 if kept == 0 else 4)
    assert sample.catalog[sample.item].tolist() == data.catalog[data.item[data.shopper == kept]].tolist()
