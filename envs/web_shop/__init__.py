"""utility/WebShop-v1 and utility/WebShopBrowser-v1: shopping for a simulated shopper on a real web
shop."""
