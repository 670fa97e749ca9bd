"""One module per fuzz target, each defining ``TARGET`` (see ``fuzzrt.campaign.registry``)."""
