#!/bin/sh
# Rebuilds every signed APKINDEX.tar.gz of the demo from the APKINDEX text beside it,
# with the project's own writer and the throwaway demo key in keys/. Run from anywhere;
# SOURCE_DATE_EPOCH fixes the tar member times so that the output is reproducible.
set -eu
demo=$(cd "$(dirname "$0")" && pwd)
key="$demo/keys/demo@secfixes.example-64a1b2c3.rsa"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-1765000000}"
cd "$demo/../../.."
cargo build --quiet --release -p secfixes-cli
for text in "$demo"/apkindex/*/*/*/APKINDEX "$demo"/stage1/apkindex/*/*/*/APKINDEX; do
    dir=$(dirname "$text")
    arch=$(basename "$dir")
    repo=$(basename "$(dirname "$dir")")
    branch=$(basename "$(dirname "$(dirname "$dir")")")
    target/release/secfixes apkindex write --key "$key" \
        --description "demo-$branch-$repo-$arch" "$text" "$dir/APKINDEX.tar.gz"
done
