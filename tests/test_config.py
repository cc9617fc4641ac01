"""Config errors are caught before any work starts, as one line naming file, field, allowed and given."""

from __future__ import annotations

import pytest
import yaml

import scanners
from horizon.config import Area, Settings, load_config
from horizon.errors import ConfigError
from scanners.http import HttpClient


def test_bundled_defaults_load_with_the_ten_contract_area_ids():
    config = load_config()
    assert config.priorities.ids == (
        "cardiovascular", "cancer-early-diagnosis", "dermatology", "respiratory", "digital-self-management",
        "mental-health", "diabetes", "maternity", "ageing-well", "digital-education",
    )
    assert scanners.build(config, HttpClient())  # every default source validates


def _mutate(directory, name, change):
    doc = yaml.safe_load((directory / name).read_text())
    change(doc)
    (directory / name).write_text(yaml.safe_dump(doc))


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        ("priorities.yaml", lambda d: d["areas"][0].update(weight="high"),
         "priorities.yaml: area 'cardiovascular'.weight: input should be a valid number, unable to parse string as a number, got 'high'"),
        ("priorities.yaml", lambda d: d["areas"][1].update(weight=11),
         "priorities.yaml: area 'cancer-early-diagnosis'.weight: input should be less than or equal to 10, got 11"),
        ("priorities.yaml", lambda d: d["areas"][0].update(colour="red"),
         "priorities.yaml: area 'cardiovascular'.colour: unknown key; valid keys: " + ", ".join(Area.model_fields)),
        ("priorities.yaml", lambda d: d["areas"][2].update(id="cardiovascular"),
         "priorities.yaml: areas: area ids must be unique, got cardiovascular more than once"),
        ("settings.yaml", lambda d: d["http"].update(read_timeout=-1),
         "settings.yaml: http.read_timeout: input should be greater than 0, got -1"),
        ("settings.yaml", lambda d: d.update(stor_url="x"),
         "settings.yaml: stor_url: unknown key; valid keys: " + ", ".join(Settings.model_fields)),
    ],
)
def test_invalid_values_give_one_line_naming_file_field_and_value(write_config, file, change, expected):
    directory = write_config({"ctgov": {"base_url": "http://127.0.0.1:9/api"}})
    _mutate(directory, file, change)
    with pytest.raises(ConfigError) as err:
        load_config(directory)
    assert str(err.value) == expected
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"base_url": "ftp://example.org"}, "sources.yaml: sources.ctgov.base_url: string should match pattern"),
        ({"base_url": "http://x.org", "page_size": 5000}, "sources.yaml: sources.ctgov.page_size: input should be less than or equal to 1000, got 5000"),
        ({"base_url": "http://x.org", "pagesize": 5}, "sources.yaml: sources.ctgov.pagesize: unknown key; valid keys: scanner, enabled, base_url"),
        ({"base_url": "http://x.org", "scanner": "nope"}, "sources.yaml: sources.ctgov: unknown scanner 'nope'; available: "),
    ],
)
def test_source_settings_are_checked_by_their_scanner(write_config, source, expected):
    config = load_config(write_config({"ctgov": source}))
    with pytest.raises(ConfigError) as err:
        scanners.build(config, HttpClient())
    assert str(err.value).startswith(expected)


def test_broken_yaml_names_the_file_and_line(write_config):
    directory = write_config({"ctgov": {"base_url": "http://x.org"}})
    (directory / "sources.yaml").write_text("sources:\n  ctgov: [unclosed\n")
    with pytest.raises(ConfigError, match=r"^sources\.yaml line \d+: not valid YAML"):
        load_config(directory)


def test_missing_config_directory_says_what_to_pass(tmp_path):
    with pytest.raises(ConfigError, match="config directory not found; pass --config DIR"):
        load_config(tmp_path / "nowhere")


def test_unknown_source_name_lists_the_available_ones():
    with pytest.raises(KeyError, match="unknown source 'nope'; available: .*ctgov"):
        scanners.get("nope")
