-- this file does not compile
function main(
