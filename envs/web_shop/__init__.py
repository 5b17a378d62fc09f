"""utility/WebShop-v0 and utility/WebShopBrowser-v0: shopping for a simulated shopper on a real web shop."""
