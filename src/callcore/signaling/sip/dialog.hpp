// SIP dialogs (RFC 3261 §12) and what is built in them: in-dialog requests (§12.2.1.1), the ACK
// for a 2xx (§13.2.2.4, the dialog layer's: it is a transaction of its own), the checks on
// requests received in a dialog (§12.2.2) and the back-off after a 491 (§14.1). Plain values,
// no I/O; the caller draws branches and tags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "callcore/base/backoff.hpp"
#include "callcore/base/time.hpp"
#include "callcore/signaling/sip/message.hpp"

namespace callcore::signaling::sip {

/// One dialog, early or confirmed (§12.1). `local_seq` is the last CSeq number we used;
/// `remote_seq` the last one received (nullopt: none yet, §12.1.1).
struct Dialog {
  std::string call_id;
  std::string local_tag;
  std::string remote_tag;
  NameAddr local;                        ///< our From in requests we send (with local_tag)
  NameAddr remote;                       ///< their To in requests we send (with remote_tag)
  Uri remote_target;                     ///< the far side's Contact (§12.1.1, refreshed §12.2)
  std::vector<NameAddr> route_set;       ///< in the order we send Route headers
  std::uint32_t local_seq = 0;
  std::optional<std::uint32_t> remote_seq;
  bool caller = false;                   ///< we sent the request that created it (we own the Call-ID)
  bool early = true;                     ///< created by a 1xx, not yet confirmed by a 2xx

  /// Requests in this dialog carry this id: Call-ID, local tag, remote tag (§12).
  bool matches(const Message& message, bool received) const;
};

/// The UAC's dialog from `request` (the INVITE we sent) and `response` (101-299 with a To tag and
/// a Contact, §12.1.2): route set = Record-Route reversed, remote target = Contact, local CSeq
/// = the request's. nullopt when the response cannot create one (no tag, no Contact, code
/// outside 101-299).
std::optional<Dialog> dialog_as_uac(const Message& request, const Message& response);

/// The UAS's dialog from `request` (received, with a Contact) and the To tag we put in our
/// response (§12.1.1): route set = Record-Route in order, remote target = Contact, remote CSeq =
/// the request's, local CSeq starting at `first_local_seq` - 1. nullopt without a Contact.
std::optional<Dialog> dialog_as_uas(const Message& request, const std::string& local_tag,
                                    std::uint32_t first_local_seq = 1);

/// A 2xx to a request in the dialog (or the one that created it) confirms it; a 2xx to INVITE,
/// re-INVITE or UPDATE with a Contact refreshes the remote target (§12.2.1.2, RFC 3311).
void update_from_response(Dialog& dialog, const Message& response);

/// A request `method` in the dialog (§12.2.1.1): Request-URI the remote target (or, with a
/// strict router first in the route set, that router's URI and the remote target as the last
/// Route), To remote + tag, From local + tag, Call-ID, CSeq ++local_seq, Route set, the Via
/// `via` (e.g. `SIP/2.0/WSS x.invalid;branch=z9hG4bK...`), Max-Forwards 70, Contact `contact`
/// (when not empty). Headers and body are the caller's to add.
Message dialog_request(Dialog& dialog, const std::string& method, const std::string& via, const std::string& contact);

/// The ACK for a 2xx to the INVITE (or re-INVITE) whose CSeq number is `invite_seq` (§13.2.2.4):
/// built like any in-dialog request but with that CSeq number and method ACK and a new branch
/// in `via`; local_seq is not advanced.
Message dialog_ack(const Dialog& dialog, std::uint32_t invite_seq, const std::string& via);

/// What to do with a request received in the dialog (§12.2.2).
enum class InDialogCheck {
  kAccept,       ///< new CSeq: remote_seq updated (and the target refreshed for INVITE/UPDATE)
  kOutOfOrder,   ///< CSeq lower than remote_seq (not ACK/CANCEL): answer 500 (§12.2.2)
};
/// Checks `request` (matching the dialog) and updates remote_seq / remote_target when accepted.
InDialogCheck on_dialog_request(Dialog& dialog, const Message& request);

/// The wait before retrying a re-INVITE that got 491 (§14.1): for the owner of the Call-ID
/// (the dialog's caller) a random value in 2.1-4 s, else in 0-2 s, in units of 10 ms.
base::Ms glare_backoff(bool call_id_owner, base::Random& random);

}  // namespace callcore::signaling::sip
