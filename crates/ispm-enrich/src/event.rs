//! Attaching lookups to decoded events.

use ispm_model::{IdentityEvent, NetworkInfo};

use crate::{Enricher, IpInfo};

impl Enricher {
    /// Fills `event.origin.network` from the source address. Leaves it
    /// `None` for sources that are not public IP addresses (AWS service
    /// names, invalid text, private ranges) and when no database is loaded.
    pub fn enrich_event(&self, event: &mut IdentityEvent) {
        if !self.is_enabled() {
            return;
        }
        let Some(ip) = event.origin.ip else {
            return;
        };
        let info = self.lookup(ip);
        if info.private {
            return;
        }
        event.origin.network = Some(self.network_info(&info));
    }

    /// Converts a lookup into the event's form. `cloud` is `None` when no
    /// database can tell AWS addresses apart.
    pub fn network_info(&self, info: &IpInfo) -> NetworkInfo {
        NetworkInfo {
            country: info.country.map(|country| country.as_str().to_owned()),
            asn: info.asn,
            as_org: info.as_org.as_deref().map(str::to_owned),
            location: info.location,
            cloud: self.capabilities().cloud.then_some(info.cloud),
        }
    }

    /// True when at least one database is loaded.
    pub fn is_enabled(&self) -> bool {
        let capabilities = self.capabilities();
        capabilities.country || capabilities.asn || capabilities.location || capabilities.cloud
    }
}
