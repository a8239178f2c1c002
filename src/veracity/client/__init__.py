"""The Python SDK: a thin, typed client of the REST API over httpx.

from veracity.client import Client
client = Client("http://127.0.0.1:8000", token="vrc_...")
project = client.create_project("sentiment", {"fields": [...]}, {"overlap": 3})
client.import_items(project.id, [{"data": {"text": "great"}, "external_id": "1"}])
"""

from veracity.client.client import Client, VeracityError

__all__ = ["Client", "VeracityError"]
