"""Wire models: plain pydantic, no FastAPI import, reused by the SDK in ``veracity.client``."""
