import pytest

from pipeline.errors import ConfigError
from pipeline.shared.callables import import_callable


def test_a_module_function_name_imports_the_function():
    assert import_callable("math:sqrt", "rewards.hook")(9.0) == 3.0
    assert import_callable(None, "rewards.hook") is None


@pytest.mark.parametrize("spec", ["math:no_such_function", "no_such_module_xyz:f", "math:pi", "math"])
def test_a_name_that_is_not_a_function_is_an_error_naming_the_setting(spec):
    with pytest.raises(ConfigError, match=r"rewards\.hook"):
        import_callable(spec, "rewards.hook")
