// milk crypto generate
#include <ostream>

#include "crypto/cryptogen.h"
#include "crypto/tls/issuer.h"
#include "tools/milk/commands.h"
#include "tools/milk/output.h"

namespace milk::cli {
namespace {

struct GenerateArgs {
  std::string config;
  std::string output;
};

void RunGenerate(const CliContext& ctx, const GenerateArgs& args) {
  std::vector<crypto::GeneratedFile> files =
      ctx.Take(crypto::tls::GenerateWithTls(args.config, args.output, ctx.clock.NowMs()));
  if (ctx.options.json) {
    Json list = Json::array();
    for (const crypto::GeneratedFile& f : files) {
      list.push_back({{"path", f.path}, {"description", f.description}, {"kept", f.kept}});
    }
    PrintJson(ctx.out, list);
    return;
  }
  for (const crypto::GeneratedFile& f : files) {
    ctx.out << f.path << "  " << f.description << "\n";  // description ends "(kept)" if kept
  }
}

}  // namespace

void RegisterCryptoCommands(CLI::App& app, const std::shared_ptr<CliContext>& ctx) {
  CLI::App* crypto = app.add_subcommand("crypto", "keys and certificates");
  crypto->require_subcommand(1);

  auto args = std::make_shared<GenerateArgs>();
  CLI::App* generate =
      crypto->add_subcommand("generate",
                             "org root keys, member certificates and wallet keys from a YAML file; "
                             "existing files are kept");
  generate->add_option("--config", args->config, "crypto YAML (docs/crypto.md)")
      ->required()
      ->type_name("FILE");
  generate->add_option("--output", args->output, "directory to write into")
      ->required()
      ->type_name("DIR");
  generate->callback([ctx, args] { RunGenerate(*ctx, *args); });
}

}  // namespace milk::cli
