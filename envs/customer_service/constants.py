"""Numbers the customer-service world, its tasks and its tools share, defined once."""

RETURN_WINDOW_DAYS = 30  # days after delivery; a stream's world event may shorten it
DELAY_DAYS = 7  # a shipment this many days late is delayed
COMPENSATION = {"regular": 10.0, "gold": 25.0}  # store credit for a delayed shipment
