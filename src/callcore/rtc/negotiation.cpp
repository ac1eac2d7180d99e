#include "callcore/rtc/negotiation.hpp"

namespace callcore::rtc {

PerfectNegotiation::OfferDecision PerfectNegotiation::on_remote_offer() {
  const bool ready_for_offer = !making_offer_ && (signaling_state_ == "stable" || answer_pending_);
  const bool collision = !ready_for_offer;
  ignore_offer_ = !polite_ && collision;
  if (ignore_offer_) return OfferDecision::Ignore;
  answering_ = true;
  if (collision) {
    stale_offer_ = making_offer_;  // its setLocalDescription is still to resolve
    offer_outstanding_ = false;    // our offer is rolled back
    making_offer_ = false;
    return OfferDecision::Rollback;
  }
  return OfferDecision::Apply;
}

bool PerfectNegotiation::on_remote_answer() {
  if (!offer_outstanding_) return false;
  answer_pending_ = true;
  ignore_offer_ = false;
  return true;
}

void PerfectNegotiation::on_remote_description_set(std::string_view type) {
  if (type == "answer") {
    answer_pending_ = false;
    offer_outstanding_ = false;
    negotiated_once_ = true;
  }
}

void PerfectNegotiation::on_make_offer() { making_offer_ = true; }

bool PerfectNegotiation::on_local_description(std::string_view type) {
  if (type == "offer") {
    making_offer_ = false;
    if (stale_offer_) {
      stale_offer_ = false;
      return false;
    }
    offer_outstanding_ = true;
  } else if (type == "answer") {
    answering_ = false;
    negotiated_once_ = true;
  }
  return true;
}

bool PerfectNegotiation::on_local_description_failed() {
  const bool stale = stale_offer_;
  making_offer_ = false;
  stale_offer_ = false;
  if (!stale) answering_ = false;
  return stale;
}

void PerfectNegotiation::reset() { *this = PerfectNegotiation(polite_); }

}  // namespace callcore::rtc
