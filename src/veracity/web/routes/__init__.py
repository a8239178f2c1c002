"""Page handlers, one module per screen group."""
