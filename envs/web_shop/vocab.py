"""The shop's vocabularies: categories, product types, attribute words and option dimensions.

Public knowledge of the shop (a person sees the same words in the site's filters and product
pages): the catalog generator draws products from it and agents may read it to parse requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COLORS = (
    "black",
    "white",
    "navy",
    "grey",
    "red",
    "green",
    "blue",
    "beige",
    "pink",
    "yellow",
    "olive",
    "burgundy",
    "teal",
    "purple",
    "orange",
    "brown",
)
APPAREL_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SHOE_SIZES = ("5", "6", "7", "8", "9", "10", "11", "12", "13")
SCENTS = ("unscented", "lavender", "citrus", "coconut", "eucalyptus", "vanilla", "rose", "mint")
AUDIENCES = ("men's", "women's", "kids'")


@dataclass(frozen=True)
class ProductType:
    """A kind of product: its price range, the attributes it may have and its option dimensions."""

    name: str  # "rain jacket": the product type, as a shopper says it
    price: tuple[float, float]
    attributes: tuple[str, ...]
    options: dict[str, tuple[str, ...]]  # dimension -> vocabulary
    audience: bool = False  # products are for men, women or kids (an attribute)


@dataclass(frozen=True)
class Category:
    name: str  # url slug
    label: str
    brands: tuple[str, ...]
    types: tuple[ProductType, ...]
    blurb: str  # one sentence used in descriptions
    uses: tuple[str, ...] = field(default=())


def _t(
    name: str,
    price: tuple[float, float],
    attributes: str,
    options: dict[str, tuple[str, ...]],
    audience: bool = False,
) -> ProductType:
    return ProductType(
        name, price, tuple(a.strip() for a in attributes.split(",")), options, audience
    )


CATEGORIES: tuple[Category, ...] = (
    Category(
        "clothing",
        "Clothing",
        (
            "Northpeak",
            "Stormline",
            "Urbanthread",
            "Kestrel",
            "Maple & Moss",
            "Tidewear",
            "Briarwood",
            "Cobalt Street",
            "Fernhill",
            "Lumen",
        ),
        (
            _t(
                "rain jacket",
                (35, 160),
                "waterproof, breathable, hooded, packable, reflective, windproof, lightweight, "
                "recycled, adjustable cuffs",
                {"size": APPAREL_SIZES, "color": COLORS},
                True,
            ),
            _t(
                "hoodie",
                (25, 90),
                "fleece-lined, organic cotton, zip-up, oversized, kangaroo pocket, machine "
                "washable, recycled, heavyweight",
                {"size": APPAREL_SIZES, "color": COLORS},
                True,
            ),
            _t(
                "t-shirt",
                (10, 40),
                "organic cotton, moisture-wicking, slim fit, crew neck, v-neck, quick-dry, "
                "machine washable, tagless",
                {"size": APPAREL_SIZES, "color": COLORS},
                True,
            ),
            _t(
                "jeans",
                (30, 120),
                "stretch, slim fit, relaxed fit, high rise, distressed, organic cotton, straight "
                "leg",
                {
                    "size": ("26", "28", "30", "32", "34", "36", "38"),
                    "color": ("light wash", "medium wash", "dark wash", "black", "grey"),
                },
                True,
            ),
            _t(
                "winter coat",
                (80, 300),
                "insulated, down-filled, waterproof, hooded, faux fur trim, windproof, packable",
                {"size": APPAREL_SIZES, "color": COLORS},
                True,
            ),
            _t(
                "pajama set",
                (20, 70),
                "flannel, cotton, breathable, button-up, soft, machine washable",
                {"size": APPAREL_SIZES, "color": COLORS},
                True,
            ),
        ),
        "Designed for everyday wear and easy care.",
        ("commuting", "weekends", "travel", "school"),
    ),
    Category(
        "shoes",
        "Shoes",
        (
            "Stridewell",
            "Trailfox",
            "Pacer",
            "Cloudstep",
            "Ironbark",
            "Solemate",
            "Kinetic",
            "Roamer",
        ),
        (
            _t(
                "running shoes",
                (50, 180),
                "lightweight, breathable, cushioned, wide fit, reflective, non-slip, carbon plate",
                {"size": SHOE_SIZES, "color": COLORS},
                True,
            ),
            _t(
                "hiking boots",
                (70, 220),
                "waterproof, ankle support, grippy sole, insulated, leather, lightweight",
                {"size": SHOE_SIZES, "color": ("brown", "black", "grey", "olive", "tan")},
                True,
            ),
            _t(
                "sneakers",
                (40, 130),
                "canvas, leather, slip-on, memory foam, vegan, high-top",
                {"size": SHOE_SIZES, "color": COLORS},
                True,
            ),
            _t(
                "sandals",
                (20, 80),
                "adjustable straps, arch support, quick-dry, cork footbed, vegan, waterproof",
                {"size": SHOE_SIZES, "color": ("black", "brown", "tan", "navy", "white")},
                True,
            ),
            _t(
                "slippers",
                (15, 50),
                "memory foam, fleece-lined, non-slip, machine washable, indoor outdoor",
                {"size": SHOE_SIZES, "color": ("grey", "navy", "pink", "beige", "black")},
                True,
            ),
            _t(
                "rain boots",
                (25, 90),
                "waterproof, rubber, non-slip, lined, knee-high",
                {"size": SHOE_SIZES, "color": ("yellow", "black", "navy", "red", "green")},
                True,
            ),
        ),
        "Made for comfort from the first step.",
        ("running", "hiking", "everyday walking", "the garden"),
    ),
    Category(
        "electronics",
        "Electronics",
        ("Voltix", "Aurion", "Sonance", "Pixelcraft", "Nexa", "Quantel", "Brightwave", "Corelink"),
        (
            _t(
                "wireless earbuds",
                (25, 250),
                "noise cancelling, water resistant, long battery life, wireless charging, "
                "bluetooth 5.3, transparency mode",
                {"color": ("black", "white", "navy", "pink", "grey")},
            ),
            _t(
                "headphones",
                (30, 350),
                "noise cancelling, over-ear, foldable, wireless, long battery life, built-in "
                "microphone",
                {"color": ("black", "white", "silver", "navy", "red")},
            ),
            _t(
                "bluetooth speaker",
                (20, 200),
                "waterproof, portable, long battery life, stereo pairing, built-in microphone, "
                "rugged",
                {"color": ("black", "blue", "red", "grey", "green", "teal")},
            ),
            _t(
                "power bank",
                (15, 80),
                "fast charging, usb-c, slim, wireless charging, led display",
                {
                    "capacity": ("5000 mAh", "10000 mAh", "20000 mAh", "26800 mAh"),
                    "color": ("black", "white", "blue", "pink"),
                },
            ),
            _t(
                "usb-c cable",
                (6, 30),
                "braided, fast charging, 100w, data transfer, right angle",
                {
                    "length": ("1 ft", "3 ft", "6 ft", "10 ft"),
                    "color": ("black", "white", "grey", "red"),
                },
            ),
            _t(
                "smartwatch",
                (60, 400),
                "heart rate monitor, gps, water resistant, sleep tracking, long battery life, "
                "always-on display",
                {
                    "size": ("40 mm", "42 mm", "44 mm", "46 mm"),
                    "color": ("black", "silver", "rose gold", "blue"),
                },
            ),
        ),
        "Backed by a two-year warranty.",
        ("travel", "the gym", "the office", "gaming"),
    ),
    Category(
        "kitchen",
        "Home & Kitchen",
        ("Cuisinova", "Hearthware", "Copperleaf", "Kitchara", "Oakmere", "Brewline", "Zestro"),
        (
            _t(
                "coffee maker",
                (30, 250),
                "programmable, thermal carafe, auto shut-off, single serve, stainless steel, "
                "built-in grinder",
                {
                    "capacity": ("4 cups", "8 cups", "10 cups", "12 cups"),
                    "color": ("black", "silver", "white", "red"),
                },
            ),
            _t(
                "blender",
                (30, 200),
                "high speed, bpa-free, dishwasher safe, portable, pulse function, glass jar",
                {
                    "capacity": ("20 oz", "48 oz", "64 oz", "72 oz"),
                    "color": ("black", "silver", "white", "red"),
                },
            ),
            _t(
                "frying pan",
                (15, 120),
                "non-stick, stainless steel, cast iron, oven safe, induction compatible, "
                "dishwasher safe, pfoa-free",
                {"size": ("8 in", "10 in", "12 in", "14 in")},
            ),
            _t(
                "water bottle",
                (10, 50),
                "insulated, bpa-free, leak-proof, stainless steel, dishwasher safe, with straw",
                {"capacity": ("12 oz", "20 oz", "32 oz", "40 oz"), "color": COLORS},
            ),
            _t(
                "chef knife",
                (15, 180),
                "high carbon steel, ergonomic handle, full tang, dishwasher safe, japanese steel",
                {"size": ("6 in", "8 in", "10 in")},
            ),
            _t(
                "food storage containers",
                (12, 60),
                "bpa-free, glass, leak-proof, microwave safe, stackable, dishwasher safe",
                {
                    "pack": ("5 pack", "10 pack", "16 pack", "24 pack"),
                    "color": ("clear", "blue", "green", "grey"),
                },
            ),
        ),
        "Built to handle busy kitchens every day.",
        ("weeknight dinners", "meal prep", "entertaining", "small kitchens"),
    ),
    Category(
        "beauty",
        "Beauty & Personal Care",
        ("Lumiere", "Verdana", "Purelle", "Softbloom", "Aurea", "Dermiva", "Botanica"),
        (
            _t(
                "shampoo",
                (6, 40),
                "sulfate-free, for dry hair, paraben-free, vegan, color safe, volumizing",
                {"scent": SCENTS, "volume": ("250 ml", "500 ml", "1 l")},
            ),
            _t(
                "face moisturizer",
                (8, 80),
                "fragrance-free, for sensitive skin, spf 30, hyaluronic acid, oil-free, "
                "non-comedogenic, vegan",
                {"volume": ("30 ml", "50 ml", "100 ml")},
            ),
            _t(
                "sunscreen",
                (6, 35),
                "spf 50, water resistant, reef safe, fragrance-free, mineral, for sensitive skin",
                {
                    "volume": ("50 ml", "100 ml", "200 ml"),
                    "scent": ("unscented", "coconut", "citrus"),
                },
            ),
            _t(
                "lip balm",
                (3, 15),
                "spf 15, vegan, moisturizing, tinted, beeswax",
                {
                    "flavor": ("original", "mint", "cherry", "vanilla", "honey"),
                    "pack": ("1 pack", "3 pack", "6 pack"),
                },
            ),
            _t(
                "hair dryer",
                (20, 250),
                "ionic, lightweight, foldable, diffuser, fast drying, quiet",
                {"color": ("black", "white", "pink", "rose gold")},
            ),
            _t(
                "body lotion",
                (5, 30),
                "fragrance-free, shea butter, fast absorbing, for dry skin, vegan",
                {"scent": SCENTS, "volume": ("250 ml", "400 ml", "750 ml")},
            ),
        ),
        "Dermatologist tested and cruelty free.",
        ("daily routines", "sensitive skin", "travel", "the beach"),
    ),
    Category(
        "grocery",
        "Grocery & Gourmet",
        (
            "Harvest Lane",
            "Goldfield",
            "Terra Verde",
            "Bramble",
            "Sunmill",
            "Pinehollow",
            "Orchard Row",
        ),
        (
            _t(
                "coffee beans",
                (8, 40),
                "organic, fair trade, whole bean, dark roast, medium roast, decaf, single origin",
                {
                    "flavor": ("original", "hazelnut", "vanilla", "caramel", "mocha"),
                    "weight": ("12 oz", "1 lb", "2 lb", "5 lb"),
                },
            ),
            _t(
                "green tea",
                (4, 25),
                "organic, loose leaf, matcha, jasmine, unsweetened, fair trade",
                {
                    "pack": ("20 bags", "50 bags", "100 bags"),
                    "flavor": ("original", "mint", "lemon", "ginger", "peach"),
                },
            ),
            _t(
                "protein bars",
                (10, 40),
                "high protein, gluten-free, low sugar, vegan, keto friendly, non-gmo",
                {
                    "flavor": (
                        "chocolate",
                        "peanut butter",
                        "vanilla",
                        "cookies and cream",
                        "berry",
                        "mint chocolate",
                    ),
                    "pack": ("6 pack", "12 pack", "24 pack"),
                },
            ),
            _t(
                "olive oil",
                (8, 45),
                "extra virgin, organic, cold pressed, unfiltered, single origin",
                {"volume": ("500 ml", "750 ml", "1 l", "3 l")},
            ),
            _t(
                "dark chocolate",
                (3, 20),
                "organic, fair trade, sugar-free, vegan, gluten-free",
                {
                    "flavor": ("original", "sea salt", "orange", "mint", "almond", "raspberry"),
                    "pack": ("1 pack", "3 pack", "6 pack", "12 pack"),
                },
            ),
            _t(
                "pasta",
                (2, 12),
                "organic, gluten-free, whole wheat, high protein, non-gmo, bronze cut",
                {
                    "shape": ("spaghetti", "penne", "fusilli", "rigatoni", "farfalle", "linguine"),
                    "pack": ("1 pack", "4 pack", "8 pack"),
                },
            ),
        ),
        "Sourced from growers we know by name.",
        ("breakfast", "snacks", "the pantry", "gifts"),
    ),
    Category(
        "sports",
        "Sports & Outdoors",
        ("Summitry", "Trailhead", "Apex Motion", "Riverstone", "Boldfit", "Nordmark", "Wildgrove"),
        (
            _t(
                "yoga mat",
                (15, 120),
                "non-slip, extra thick, eco-friendly, lightweight, carrying strap, natural rubber",
                {
                    "thickness": ("4 mm", "6 mm", "8 mm", "10 mm"),
                    "color": ("purple", "blue", "black", "green", "pink", "grey"),
                },
            ),
            _t(
                "camping tent",
                (50, 500),
                "waterproof, easy setup, lightweight, 3-season, ventilated, freestanding",
                {
                    "capacity": ("1 person", "2 person", "4 person", "6 person"),
                    "color": ("green", "orange", "grey", "blue"),
                },
            ),
            _t(
                "sleeping bag",
                (30, 250),
                "lightweight, compressible, water resistant, 3-season, mummy, down insulation",
                {
                    "length": ("regular", "long"),
                    "color": ("green", "blue", "red", "black", "orange"),
                },
            ),
            _t(
                "dumbbells",
                (20, 300),
                "adjustable, rubber coated, hex, non-slip grip, neoprene",
                {
                    "weight": ("5 lb", "10 lb", "15 lb", "20 lb", "25 lb", "30 lb"),
                    "color": ("black", "grey", "blue", "pink"),
                },
            ),
            _t(
                "hiking backpack",
                (30, 250),
                "waterproof, lightweight, hydration compatible, ventilated back panel, rain "
                "cover, hip belt",
                {
                    "capacity": ("20 l", "30 l", "40 l", "55 l"),
                    "color": ("green", "black", "orange", "blue", "grey"),
                },
            ),
            _t(
                "bike helmet",
                (25, 150),
                "adjustable fit, ventilated, mips, lightweight, led light",
                {"size": ("S", "M", "L"), "color": ("black", "white", "red", "blue", "matte grey")},
            ),
        ),
        "Tested outdoors in every season.",
        ("weekend trips", "training", "camping", "the trail"),
    ),
    Category(
        "home",
        "Home & Furniture",
        (
            "Linden Home",
            "Woodhaven",
            "Nestwell",
            "Calder",
            "Alder & Pine",
            "Hearthstone",
            "Loomwell",
        ),
        (
            _t(
                "desk lamp",
                (15, 120),
                "led, dimmable, adjustable arm, usb charging port, touch control, eye-care",
                {"color": ("black", "white", "silver", "brass")},
            ),
            _t(
                "office chair",
                (80, 600),
                "ergonomic, lumbar support, adjustable height, mesh back, headrest, armrests",
                {"color": ("black", "grey", "white", "blue")},
            ),
            _t(
                "bookshelf",
                (40, 300),
                "solid wood, easy assembly, 5-tier, industrial, adjustable shelves",
                {"finish": ("walnut", "oak", "white", "black", "espresso")},
            ),
            _t(
                "pillow covers",
                (10, 40),
                "velvet, linen, washable, hidden zipper, set of 2",
                {"size": ("18 x 18 in", "20 x 20 in", "22 x 22 in"), "color": COLORS},
            ),
            _t(
                "blackout curtains",
                (20, 90),
                "blackout, thermal insulated, noise reducing, machine washable, grommet top",
                {
                    "size": ("52 x 63 in", "52 x 84 in", "52 x 96 in"),
                    "color": ("grey", "navy", "beige", "white", "black", "green"),
                },
            ),
            _t(
                "area rug",
                (40, 400),
                "washable, non-slip backing, low pile, stain resistant, shag, boho",
                {
                    "size": ("3 x 5 ft", "5 x 7 ft", "8 x 10 ft"),
                    "color": ("grey", "beige", "blue", "multicolor", "cream"),
                },
            ),
        ),
        "Made to last and easy to live with.",
        ("living rooms", "home offices", "bedrooms", "small apartments"),
    ),
    Category(
        "toys",
        "Toys & Games",
        ("Playwise", "Tinker Town", "Brightblock", "Kiddo Labs", "Moonbeam", "Wonderkind"),
        (
            _t(
                "building blocks set",
                (15, 150),
                "educational, stem, storage box, compatible, for ages 4+",
                {"pieces": ("100 pieces", "300 pieces", "500 pieces", "1000 pieces")},
            ),
            _t(
                "jigsaw puzzle",
                (10, 40),
                "for adults, for kids, glare-free, thick pieces, recycled board",
                {"pieces": ("300 pieces", "500 pieces", "1000 pieces", "2000 pieces")},
            ),
            _t(
                "board game",
                (15, 60),
                "family, strategy, cooperative, for 2-4 players, for ages 8+, quick to learn",
                {"edition": ("standard", "deluxe", "travel")},
            ),
            _t(
                "plush toy",
                (8, 40),
                "ultra soft, machine washable, hypoallergenic, for babies, for toddlers",
                {
                    "style": ("bear", "bunny", "dinosaur", "unicorn", "cat", "dog"),
                    "size": ("small", "medium", "large"),
                },
            ),
            _t(
                "remote control car",
                (25, 150),
                "rechargeable, off-road, 2.4 ghz, waterproof, high speed",
                {"color": ("red", "blue", "green", "yellow", "black")},
            ),
            _t(
                "art kit",
                (10, 60),
                "washable, non-toxic, for kids, carrying case, 100+ pieces",
                {"edition": ("starter", "deluxe", "travel")},
            ),
        ),
        "Safety tested for little hands.",
        ("birthdays", "rainy days", "family game night", "classrooms"),
    ),
    Category(
        "pets",
        "Pet Supplies",
        ("Pawsome", "Tailwind", "Furever", "Barkley & Co", "Whiskerworks", "Happy Hound"),
        (
            _t(
                "dog food",
                (15, 90),
                "grain-free, high protein, natural, for puppies, for senior dogs, real chicken",
                {
                    "flavor": ("chicken", "beef", "salmon", "lamb", "turkey"),
                    "weight": ("5 lb", "15 lb", "30 lb"),
                },
            ),
            _t(
                "cat litter",
                (8, 40),
                "clumping, unscented, low dust, odor control, biodegradable",
                {"weight": ("10 lb", "20 lb", "40 lb")},
            ),
            _t(
                "dog leash",
                (8, 40),
                "reflective, padded handle, heavy duty, retractable, waterproof",
                {
                    "length": ("4 ft", "6 ft", "16 ft"),
                    "color": ("black", "red", "blue", "pink", "green", "orange"),
                },
            ),
            _t(
                "pet bed",
                (20, 120),
                "orthopedic, washable cover, non-slip bottom, waterproof, calming",
                {
                    "size": ("small", "medium", "large", "x-large"),
                    "color": ("grey", "brown", "beige", "navy"),
                },
            ),
            _t(
                "cat tree",
                (40, 200),
                "sisal posts, multi-level, hammock, sturdy base, easy assembly",
                {"color": ("grey", "beige", "brown", "white")},
            ),
            _t(
                "dog toy",
                (5, 25),
                "durable, squeaky, for aggressive chewers, interactive, natural rubber",
                {
                    "size": ("small", "medium", "large"),
                    "color": ("red", "blue", "green", "orange", "yellow"),
                },
            ),
        ),
        "Vet approved and pet tested.",
        ("walks", "playtime", "naps", "training"),
    ),
)

CATEGORY_BY_NAME = {c.name: c for c in CATEGORIES}
TYPE_BY_NAME = {t.name: t for c in CATEGORIES for t in c.types}
CATEGORY_OF_TYPE = {t.name: c.name for c in CATEGORIES for t in c.types}
OPTION_DIMENSIONS = tuple(sorted({d for c in CATEGORIES for t in c.types for d in t.options}))
ALL_ATTRIBUTES = tuple(
    sorted({a for c in CATEGORIES for t in c.types for a in t.attributes} | set(AUDIENCES))
)
BRANDS = tuple(b for c in CATEGORIES for b in c.brands)

MODEL_SYLLABLES = (
    "Aero",
    "Vista",
    "Terra",
    "Nova",
    "Flex",
    "Summit",
    "Core",
    "Echo",
    "Halo",
    "Luna",
    "Orbit",
    "Pulse",
    "Ridge",
    "Sierra",
    "Tempo",
    "Vale",
    "Zephyr",
    "Atlas",
    "Breeze",
    "Crest",
    "Drift",
    "Ember",
    "Fjord",
    "Glide",
    "Harbor",
    "Iris",
    "Juniper",
    "Koda",
    "Lark",
    "Mesa",
    "Nimbus",
    "Onyx",
    "Prism",
    "Quill",
    "Rover",
    "Sol",
    "Tundra",
    "Umber",
    "Verve",
    "Willow",
)
MODEL_SUFFIXES = ("", "", "", "", "Pro", "Lite", "Max", "Plus", "II", "2", "3", "X", "Air", "Go")

MAX_QUANTITY = 5  # per order line: the shop's policy, enforced by the site

# Attributes that name a part or feature read as "with X" after the product noun.
WITH_ATTRIBUTES = frozenset(
    """adjustable cuffs|kangaroo pocket|faux fur trim|ankle support|arch support|cork footbed|adjustable straps|grippy sole|
    carbon plate|long battery life|wireless charging|transparency mode|built-in microphone|stereo pairing|led display|
    heart rate monitor|gps|sleep tracking|always-on display|bluetooth 5.3|thermal carafe|auto shut-off|built-in grinder|
    pulse function|glass jar|ergonomic handle|full tang|hyaluronic acid|shea butter|diffuser|spf 30|spf 50|spf 15|
    carrying strap|rain cover|hip belt|ventilated back panel|led light|mips|non-slip grip|down insulation|adjustable arm|
    usb charging port|touch control|lumbar support|mesh back|headrest|armrests|adjustable shelves|hidden zipper|grommet top|
    non-slip backing|adjustable height|storage box|carrying case|thick pieces|100+ pieces|padded handle|washable cover|
    non-slip bottom|sisal posts|hammock|sturdy base|real chicken|usb-c|100w|non-slip sole|fast charging""".replace(
        "\n", ""
    ).split("|")
)
WITH_ATTRIBUTES = frozenset(a.strip() for a in WITH_ATTRIBUTES)

# Attributes a product never has together.
EXCLUSIVE_ATTRIBUTES = (
    frozenset({"slim fit", "relaxed fit", "oversized"}),
    frozenset({"crew neck", "v-neck"}),
    frozenset({"dark roast", "medium roast"}),
    frozenset({"for adults", "for kids"}),
    frozenset({"for puppies", "for senior dogs"}),
    frozenset({"canvas", "leather"}),
    frozenset({"stainless steel", "cast iron", "non-stick"}),
    frozenset({"high carbon steel", "japanese steel"}),
    frozenset({"slim fit", "straight leg"}),
    frozenset({"leather", "vegan"}),
)

_IRREGULAR_PLURALS = {"bookshelf": "bookshelves", "chef knife": "chef knives"}


def plural(type_name: str) -> str:
    """The plural a shopper uses: ``rain jackets``, ``bookshelves``; plural and mass nouns stay."""
    if type_name in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[type_name]
    if type_name in UNCOUNTED_TYPES or type_name.endswith("s"):
        return type_name
    if type_name.endswith(("sh", "ch", "x")):
        return type_name + "es"
    return type_name + "s"


# Product types named without "a": plural or mass nouns ("some jeans", "some olive oil").
UNCOUNTED_TYPES = frozenset(
    """jeans|running shoes|hiking boots|sneakers|sandals|slippers|rain boots|wireless earbuds|headphones|
    food storage containers|coffee beans|protein bars|dumbbells|pillow covers|blackout curtains|cat litter|pasta|
    green tea|olive oil|dark chocolate|dog food|sunscreen|shampoo|body lotion""".replace(
        "\n", ""
    ).split("|")
)
UNCOUNTED_TYPES = frozenset(t.strip() for t in UNCOUNTED_TYPES)
