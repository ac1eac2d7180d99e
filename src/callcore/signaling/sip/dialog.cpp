#include "callcore/signaling/sip/dialog.hpp"

#include <algorithm>
#include <utility>

namespace callcore::signaling::sip {

namespace {

NameAddr with_tag(NameAddr addr, const std::string& tag) {
  set_param(addr.params, "tag", tag);
  return addr;
}

bool is_target_refresh(const std::string& method) { return method == "INVITE" || method == "UPDATE"; }

}  // namespace

bool Dialog::matches(const Message& message, bool received) const {
  const auto from = message.from();
  const auto to = message.to();
  if (!from || !to || message.call_id() != call_id) return false;
  // A request we receive has our tag in To; a response we receive (to our request) in From.
  const bool request = message.is_request();
  const NameAddr& ours = (request == received) ? *to : *from;
  const NameAddr& theirs = (request == received) ? *from : *to;
  return ours.tag() == local_tag && theirs.tag() == remote_tag;
}

std::optional<Dialog> dialog_as_uac(const Message& request, const Message& response) {
  const auto* status = response.response();
  if (status == nullptr || status->code <= 100 || status->code >= 300) return std::nullopt;
  const auto from = request.from();
  const auto to = response.to();
  const auto cseq = request.cseq();
  const auto call_id = request.call_id();
  const auto contacts = response.contacts();
  if (!from || !to || !cseq || !call_id || to->tag().empty() || contacts.empty() || contacts.front().star) {
    return std::nullopt;
  }
  Dialog d;
  d.call_id = *call_id;
  d.local_tag = from->tag();
  d.remote_tag = to->tag();
  d.local = *from;
  d.remote = *to;
  d.remote_target = contacts.front().uri;
  d.route_set = response.record_routes();
  std::reverse(d.route_set.begin(), d.route_set.end());
  d.local_seq = cseq->number;
  d.caller = true;
  d.early = status->code < 200;
  return d;
}

std::optional<Dialog> dialog_as_uas(const Message& request, const std::string& local_tag,
                                    std::uint32_t first_local_seq) {
  const auto from = request.from();
  const auto to = request.to();
  const auto cseq = request.cseq();
  const auto call_id = request.call_id();
  const auto contacts = request.contacts();
  if (!from || !to || !cseq || !call_id || contacts.empty() || contacts.front().star) return std::nullopt;
  Dialog d;
  d.call_id = *call_id;
  d.local_tag = local_tag;
  d.remote_tag = from->tag();
  d.local = with_tag(*to, local_tag);
  d.remote = *from;
  d.remote_target = contacts.front().uri;
  d.route_set = request.record_routes();
  d.local_seq = first_local_seq == 0 ? 0 : first_local_seq - 1;
  d.remote_seq = cseq->number;
  d.caller = false;
  d.early = false;
  return d;
}

void update_from_response(Dialog& dialog, const Message& response) {
  const auto* status = response.response();
  const auto cseq = response.cseq();
  if (status == nullptr || !cseq || status->code < 200 || status->code >= 300) return;
  dialog.early = false;
  if (is_target_refresh(cseq->method)) {
    const auto contacts = response.contacts();
    if (!contacts.empty() && !contacts.front().star) dialog.remote_target = contacts.front().uri;
  }
}

namespace {

Message build(const Dialog& dialog, const std::string& method, std::uint32_t seq, const std::string& via) {
  Message m;
  Uri target = dialog.remote_target;
  std::vector<std::string> routes;
  for (const auto& r : dialog.route_set) routes.push_back(to_string(r));
  const bool strict = !dialog.route_set.empty() && find_param(dialog.route_set.front().uri.params, "lr") == nullptr;
  if (strict) {  // §12.2.1.1: the first route becomes the Request-URI, the target the last Route
    target = dialog.route_set.front().uri;
    target.params.erase(std::remove_if(target.params.begin(), target.params.end(),
                                       [](const Param& p) { return p.name == "method"; }),
                        target.params.end());
    routes.erase(routes.begin());
    NameAddr last;
    last.uri = dialog.remote_target;
    routes.push_back(to_string(last));
  }
  target.headers.clear();  // a Request-URI has no headers (§19.1.5); a Contact's are not ours to send
  m.start = RequestLine{method, target};
  m.add("Via", via);
  m.add("Max-Forwards", "70");
  for (auto& r : routes) m.add("Route", std::move(r));
  m.add("From", to_string(with_tag(dialog.local, dialog.local_tag)));
  m.add("To", to_string(with_tag(dialog.remote, dialog.remote_tag)));
  m.add("Call-ID", dialog.call_id);
  m.add("CSeq", to_string(CSeq{seq, method}));
  return m;
}

}  // namespace

Message dialog_request(Dialog& dialog, const std::string& method, const std::string& via, const std::string& contact) {
  dialog.local_seq = std::min(dialog.local_seq + 1, kMaxCSeq);
  Message m = build(dialog, method, dialog.local_seq, via);
  if (!contact.empty()) m.add("Contact", contact);
  return m;
}

Message dialog_ack(const Dialog& dialog, std::uint32_t invite_seq, const std::string& via) {
  return build(dialog, "ACK", invite_seq, via);
}

InDialogCheck on_dialog_request(Dialog& dialog, const Message& request) {
  const auto cseq = request.cseq();
  const auto* line = request.request();
  if (!cseq || line == nullptr) return InDialogCheck::kOutOfOrder;
  if (line->method != "ACK" && line->method != "CANCEL") {
    if (dialog.remote_seq && cseq->number < *dialog.remote_seq) return InDialogCheck::kOutOfOrder;
    dialog.remote_seq = cseq->number;
  }
  if (is_target_refresh(line->method)) {
    const auto contacts = request.contacts();
    if (!contacts.empty() && !contacts.front().star) dialog.remote_target = contacts.front().uri;
  }
  return InDialogCheck::kAccept;
}

base::Ms glare_backoff(bool call_id_owner, base::Random& random) {
  // §14.1: owner 2.1..4 s, else 0..2 s, "in units of 10 ms".
  const int lo = call_id_owner ? 210 : 0;
  const int hi = call_id_owner ? 400 : 200;
  const int steps = lo + static_cast<int>(random.next_unit() * (hi - lo + 1));
  return base::Ms(std::min(steps, hi) * 10);
}

}  // namespace callcore::signaling::sip
