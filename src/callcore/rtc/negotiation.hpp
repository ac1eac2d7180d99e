// Perfect negotiation (W3C webrtc-pc §10, "Perfect Negotiation Example"): the flags that let
// both sides renegotiate at any time without glare errors. One side is polite (it yields: its
// own offer is rolled back when offers collide), the other impolite (it ignores the colliding
// offer). In callcore the doctor is impolite and the client polite (docs/protocol.md §6.3).
#pragma once

#include <string>
#include <string_view>

namespace callcore::rtc {

class PerfectNegotiation {
 public:
  explicit PerfectNegotiation(bool polite) : polite_(polite) {}

  /// What to do with an offer from the far side.
  enum class OfferDecision {
    Apply,    // setRemoteDescription(offer), then answer
    Rollback, // polite side during a collision: its own offer is rolled back
              // (setLocalDescription({type: 'rollback'}), W3C webrtc-pc §4.4.1.5) and the
              // remote offer applied
    Ignore,   // impolite side during a collision: keep our offer, drop theirs and its candidates
  };

  /// A remote offer arrived: readyForOffer = !makingOffer && (stable || answer pending);
  /// a collision is !readyForOffer; the impolite side ignores colliding offers.
  OfferDecision on_remote_offer();
  /// A remote answer arrived. Returns false (ignore it) when no local offer is outstanding.
  bool on_remote_answer();
  /// setRemoteDescription of `type` ("offer" | "answer") resolved.
  void on_remote_description_set(std::string_view type);
  /// We start making an offer (setLocalDescription for an offer is under way).
  void on_make_offer();
  /// setLocalDescription resolved with a description of `type`. Returns false when that
  /// description must not be sent: an offer that a polite rollback already replaced.
  bool on_local_description(std::string_view type);
  /// setLocalDescription failed: we are no longer making an offer. Returns true when the
  /// failure was expected: the offer had been rolled back by a remote offer.
  bool on_local_description_failed();
  /// The pc's signalingState changed (W3C names: stable, have-local-offer, ...).
  void on_signaling_state(std::string_view state) { signaling_state_ = state; }
  void reset();

  bool polite() const { return polite_; }
  bool making_offer() const { return making_offer_; }
  bool ignore_offer() const { return ignore_offer_; }
  /// An offer/answer exchange is in progress.
  bool negotiating() const { return making_offer_ || offer_outstanding_ || answering_ || answer_pending_; }
  /// At least one offer/answer exchange completed (the first one sets up the call).
  bool negotiated_once() const { return negotiated_once_; }
  const std::string& signaling_state() const { return signaling_state_; }

 private:
  bool polite_;
  bool making_offer_ = false;
  bool offer_outstanding_ = false;  // our offer is set locally, its answer not applied yet
  bool answering_ = false;         // a remote offer is being applied / answered
  bool answer_pending_ = false;    // W3C isSettingRemoteAnswerPending
  bool stale_offer_ = false;       // our in-flight offer was rolled back by a remote offer
  bool ignore_offer_ = false;
  bool negotiated_once_ = false;
  std::string signaling_state_ = "stable";
};

}  // namespace callcore::rtc
