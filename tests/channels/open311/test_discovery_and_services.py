"""Discovery, the service list and service definitions, in XML and JSON, as GeoReport v2 says."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import override_settings

from tests.channels.open311.conftest import json_of, xml

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def test_discovery_names_the_endpoint_its_specification_and_both_formats(client, town):
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url").endswith("/open311/v2")
    assert endpoint.findtext("type") in ("test", "production")
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert datetime.fromisoformat(root.findtext("changeset")).tzinfo is not None
    assert root.findtext("key_service")
    data = json_of(client.get(f"{BASE}/discovery.json"))
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert data["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_services_are_the_active_sub_types_grouped_by_main_type(client, town):
    town.lights.active = False
    town.lights.save()
    root = xml(client.get(f"{BASE}/services.xml", HTTP_ACCEPT_LANGUAGE="en"))
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == ["roads-potholes"]
    pothole = services[0]
    assert pothole.findtext("service_name") == "Pothole"
    assert pothole.findtext("group") == "Roads"
    assert pothole.findtext("metadata") == "false"
    assert pothole.findtext("type") == "realtime"
    assert "roads" in pothole.findtext("keywords").split(",")
    data = json_of(client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="ar"))
    assert data == [
        {
            "service_code": "roads-potholes",
            "service_name": "حفرة",
            "description": "الطرق: حفرة",
            "metadata": False,
            "type": "realtime",
            "keywords": "roads,roads-potholes",
            "group": "الطرق",
        }
    ]


def test_a_service_definition_has_no_attributes_and_an_unknown_code_is_404(client, town):
    root = xml(client.get(f"{BASE}/services/roads-potholes.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "roads-potholes"
    assert root.find("attributes") is not None and list(root.find("attributes")) == []
    assert json_of(client.get(f"{BASE}/services/roads-potholes.json")) == {"service_code": "roads-potholes", "attributes": []}
    for code in ("no-such-thing", "roads"):  # a main type is not a service
        missing = client.get(f"{BASE}/services/{code}.xml", HTTP_ACCEPT_LANGUAGE="en")
        assert missing.status_code == 404
        error = xml(missing).find("error")
        assert error.findtext("code") == "404" and error.findtext("description") == "No service has this service_code."


@override_settings(OPEN311_JURISDICTION_ID="aseer.gov.sa")
def test_jurisdiction_id_is_accepted_when_it_is_ours_and_refused_otherwise(client, town):
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "aseer.gov.sa"}).status_code == 200
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": ""}).status_code == 200  # empty = missing
    refused = client.get(f"{BASE}/services.xml", {"jurisdiction_id": "riyadh.gov.sa"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 404
    assert xml(refused).findtext("error/description") == "Unknown jurisdiction_id; this endpoint serves “aseer.gov.sa”."


def test_an_unknown_call_or_format_is_an_open311_404(client, town):
    for path, fmt in ((f"{BASE}/services.csv", "xml"), (f"{BASE}/nothing.json", "json"), (f"{BASE}/", "xml")):
        response = client.get(path)
        assert response.status_code == 404
        if fmt == "xml":
            assert xml(response).find("error/code").text == "404"
        else:
            assert json_of(response)[0]["code"] == 404
