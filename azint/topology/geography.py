"""Where Azure regions and ExpressRoute peering locations lie: geopolitical regions, and the
Azure regions an ExpressRoute Local circuit at a peering location reaches.

From "ExpressRoute peering locations and connectivity partners"
(https://learn.microsoft.com/azure/expressroute/expressroute-locations-providers), global
commercial Azure. Names compare without case, spaces or punctuation (``West Europe`` and
``westeurope`` are one region); a name not listed here is not checked.
"""

from __future__ import annotations

import re
from types import MappingProxyType

# geopolitical region -> (Azure regions, peering locations)
_GEOPOLITICAL: dict[str, tuple[str, str]] = {
    "Australia Government": ("Australia Central, Australia Central 2", "Canberra, Canberra2"),
    "Europe": ("France Central, France South, Germany North, Germany West Central, Italy North, "
               "North Europe, Norway East, Norway West, Poland Central, Sweden Central, "
               "Switzerland North, Switzerland West, UK West, UK South, West Europe",
               "Amsterdam, Amsterdam2, Berlin, Copenhagen, Dublin, Dublin2, Frankfurt, "
               "Frankfurt2, Geneva, London, London2, Madrid, Madrid2, Marseille, Milan, Milan2, "
               "Munich, Newport(Wales), Oslo, Paris, Paris2, Stavanger, Stockholm, Warsaw, "
               "Zurich, Zurich2"),
    "North America": ("East US, West US, East US 2, West US 2, West US 3, Central US, "
                      "South Central US, North Central US, West Central US, Canada Central, "
                      "Canada East",
                      "Atlanta, Chicago, Chicago2, Dallas, Denver, Las Vegas, Los Angeles, "
                      "Los Angeles2, Miami, Minneapolis, Montreal, New York, Phoenix, "
                      "Quebec City, Queretaro(Mexico), Quincy, San Antonio, Seattle, "
                      "Silicon Valley, Silicon Valley2, Toronto, Toronto2, Vancouver, "
                      "Washington DC, Washington DC2"),
    "Asia": ("East Asia, Southeast Asia",
             "Bangkok, Hong Kong, Hong Kong2, Jakarta, Kuala Lumpur, Singapore, Singapore2, "
             "Taipei"),
    "India": ("West India, Central India, South India, India West, India Central, India South",
              "Chennai, Chennai2, Mumbai, Mumbai2, Pune"),
    "Israel": ("Israel Central", "Tel Aviv, Tel Aviv2"),
    "Japan": ("Japan West, Japan East", "Osaka, Tokyo, Tokyo2, Tokyo3"),
    "Oceania": ("Australia East, Australia Southeast",
                "Auckland, Melbourne, Perth, Sydney, Sydney2"),
    "South Korea": ("Korea Central, Korea South", "Busan, Seoul, Seoul2"),
    "UAE": ("UAE Central, UAE North", "Abu Dhabi, Dubai, Dubai2"),
    "South Africa": ("South Africa West, South Africa North", "Cape Town, Johannesburg"),
    "South America": ("Brazil South", "Campinas, Rio de Janeiro, Sao Paulo, Sao Paulo2, Santiago"),
    "Qatar": ("Qatar Central", "Doha, Doha2"),
}

# peering location -> the Azure regions ExpressRoute Local reaches there ("" : Local unavailable)
_LOCAL: dict[str, str] = {
    "Abu Dhabi": "UAE Central", "Amsterdam": "West Europe", "Amsterdam2": "West Europe",
    "Atlanta": "", "Auckland": "New Zealand North", "Bangkok": "", "Berlin": "Germany North",
    "Busan": "Korea South", "Campinas": "Brazil South", "Canberra": "Australia Central",
    "Canberra2": "Australia Central 2", "Cape Town": "South Africa West", "Chennai": "South India",
    "Chennai2": "South India", "Chicago": "North Central US", "Chicago2": "North Central US",
    "Copenhagen": "", "Dallas": "", "Denver": "West Central US", "Doha": "Qatar Central",
    "Doha2": "Qatar Central", "Dubai": "UAE North", "Dubai2": "UAE North",
    "Dublin": "North Europe", "Dublin2": "North Europe", "Frankfurt": "Germany West Central",
    "Frankfurt2": "Germany West Central", "Geneva": "Switzerland West", "Hong Kong": "East Asia",
    "Hong Kong2": "East Asia", "Johannesburg": "South Africa North", "Las Vegas": "",
    "London": "UK South", "London2": "UK South", "Los Angeles": "", "Madrid": "Spain Central",
    "Madrid2": "Spain Central", "Marseille": "France South", "Melbourne": "Australia Southeast",
    "Miami": "", "Milan": "Italy North", "Minneapolis": "", "Montreal": "",
    "Mumbai": "West India", "Mumbai2": "West India", "Munich": "", "New York": "",
    "Newport(Wales)": "UK West", "Osaka": "Japan West", "Oslo": "Norway East",
    "Paris": "France Central", "Paris2": "France Central", "Perth": "", "Phoenix": "West US 3",
    "Pune": "Central India", "Quebec City": "Canada East", "Quincy": "West US 2",
    "San Antonio": "South Central US", "Santiago": "", "Sao Paulo": "Brazil South",
    "Seattle": "West US 2", "Seoul": "Korea Central", "Silicon Valley": "West US",
    "Singapore": "Southeast Asia", "Stavanger": "Norway West", "Stockholm": "Sweden Central",
    "Sydney": "Australia East", "Taipei": "Taiwan North", "Tel Aviv": "Israel Central",
    "Tokyo": "Japan East", "Tokyo2": "Japan East", "Toronto": "Canada Central", "Vancouver": "",
    "Warsaw": "Poland Central", "Washington DC": "East US, East US 2",
    "Washington DC2": "East US, East US 2", "Zurich": "Switzerland North",
}


def key(name: str) -> str:
    """A region or location name as compared: ``West Europe`` -> ``westeurope``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _names(text: str) -> list[str]:
    return [key(n) for n in text.split(", ") if n]


REGION_GEOGRAPHY = MappingProxyType({region: geo for geo, (regions, _) in _GEOPOLITICAL.items()
                                     for region in _names(regions)})
LOCATION_GEOGRAPHY = MappingProxyType({place: geo for geo, (_, places) in _GEOPOLITICAL.items()
                                       for place in _names(places)})
LOCAL_REGIONS = MappingProxyType({key(place): frozenset(_names(regions))
                                  for place, regions in _LOCAL.items()})


def region_geography(region: str) -> str | None:
    """The geopolitical region of an Azure region (None: not a known region)."""
    return REGION_GEOGRAPHY.get(key(region))


def location_geography(location: str) -> str | None:
    """The geopolitical region of a peering location (None: not a known location)."""
    return LOCATION_GEOGRAPHY.get(key(location))
