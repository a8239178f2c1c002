"""The web pages: server-rendered Jinja2 templates and small ES modules, no build step."""
