import pytest

from inference.params import GenerationParams


def test_from_dict_reads_stored_json():
    params = GenerationParams.from_dict(
        {"max_new_tokens": 64, "temperature": 1, "stop": ["\n\n", "###"], "seed": 7, "do_sample": True}
    )

    assert params.max_new_tokens == 64
    assert params.temperature == 1.0 and isinstance(params.temperature, float)
    assert params.stop == ("\n\n", "###")
    assert params.seed == 7


def test_from_dict_round_trips_through_to_dict():
    params = GenerationParams(max_new_tokens=10, stop=("END",), seed=1, no_repeat_ngram_size=3)

    assert GenerationParams.from_dict(params.to_dict()) == params


def test_from_dict_none_gives_defaults():
    assert GenerationParams.from_dict(None) == GenerationParams()


def test_a_single_stop_string_is_one_sequence():
    assert GenerationParams.from_dict({"stop": "\n\n"}).stop == ("\n\n",)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"max_new_tokens": 0}, "max_new_tokens"),
        ({"max_new_tokens": "64"}, "max_new_tokens"),
        ({"max_new_tokens": True}, "max_new_tokens"),
        ({"max_new_tokens": 100000}, "max_new_tokens"),
        ({"temperature": -0.1}, "temperature"),
        ({"temperature": "hot"}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
        ({"top_p": 0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
        ({"top_k": -1}, "top_k"),
        ({"repetition_penalty": 0}, "repetition_penalty"),
        ({"no_repeat_ngram_size": 2.5}, "no_repeat_ngram_size"),
        ({"stop": [1, 2]}, "stop"),
        ({"stop": [""]}, "stop"),
        ({"stop": ["x"] * 17}, "stop"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"do_sample": "yes"}, "do_sample"),
        ({"temprature": 0.7}, "temprature"),
    ],
)
def test_from_dict_names_the_bad_key(data, named):
    with pytest.raises(ValueError, match=named):
        GenerationParams.from_dict(data)


def test_from_dict_refuses_a_non_object():
    with pytest.raises(ValueError, match="must be an object"):
        GenerationParams.from_dict(["max_new_tokens", 5])


def test_temperature_zero_means_greedy():
    assert GenerationParams(temperature=0.0).greedy
    assert GenerationParams(do_sample=False).greedy
    assert not GenerationParams().greedy


def test_params_are_immutable():
    params = GenerationParams()

    with pytest.raises(AttributeError):
        params.max_new_tokens = 5  # type: ignore[misc]
