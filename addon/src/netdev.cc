/*
 * linux.netDevices: move a host network interface into the container's network namespace (and
 * rename it) with one RTM_NEWLINK request over rtnetlink, as `ip link set DEV netns FD name NEW`.
 *
 * moveNetDevice(name, netnsFd, newName)
 */
#include <napi.h>
#include "errors.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

static void add_attr(struct nlmsghdr *n, size_t cap, int type, const void *data, size_t len) {
  size_t alen = RTA_LENGTH(len);
  struct rtattr *rta = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
  if (NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen) > cap) return;
  rta->rta_type = type;
  rta->rta_len = alen;
  memcpy(RTA_DATA(rta), data, len);
  n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(alen);
}


Napi::Value MoveNetDevice(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>();
  int nsfd = info[1].As<Napi::Number>().Int32Value();
  std::string newName = info.Length() > 2 && info[2].IsString() ? std::string(info[2].As<Napi::String>()) : name;
  unsigned idx = if_nametoindex(name.c_str());
  if (!idx) return throw_errno(env, "if_nametoindex", errno);
  struct {
    struct nlmsghdr n;
    struct ifinfomsg i;
    char buf[256];
  } req = {};
  req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
  req.n.nlmsg_type = RTM_NEWLINK;
  req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.n.nlmsg_seq = 1;
  req.i.ifi_family = AF_UNSPEC;
  req.i.ifi_index = idx;
  add_attr(&req.n, sizeof req, IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
  add_attr(&req.n, sizeof req, IFLA_IFNAME, newName.c_str(), newName.size() + 1);
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) return throw_errno(env, "socket(AF_NETLINK)", errno);
  if (send(s, &req, req.n.nlmsg_len, 0) < 0) {
    int e = errno;
    close(s);
    return throw_errno(env, "send(RTM_NEWLINK)", e);
  }
  char reply[4096];
  ssize_t n = recv(s, reply, sizeof reply, 0);
  int e = errno;
  close(s);
  if (n < 0) return throw_errno(env, "recv(rtnetlink)", e);
  struct nlmsghdr *h = (struct nlmsghdr *)reply;
  if (NLMSG_OK(h, (size_t)n) && h->nlmsg_type == NLMSG_ERROR) {
    struct nlmsgerr *err = (struct nlmsgerr *)NLMSG_DATA(h);
    if (err->error) return throw_errno(env, "RTM_NEWLINK", -err->error);
  }
  return env.Undefined();
}
